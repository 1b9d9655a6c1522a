import { expect } from 'chai';
import { useCluster } from '../support/cluster.js';
import { waitUntil } from '../support/harness.js';
import { userTurns } from '../support/transcripts.js';
import { SCENARIO_OVERRIDES, waitRuntime } from './scenarios.js';

/**
 * Waiting direct turns outlive their host (workers/agents/waiting-turns.ts): an agent busy with
 * a turn has two more queued on its host when that host is SIGKILLed; the agent fails over to
 * another host, which runs the two queued turns, in order, once each. The turn in flight at the
 * kill is not sent again (it may have had side effects).
 */
describe('hosts: direct turns waiting on a host that dies run once on the next', function () {
  this.timeout(180_000);
  const cluster = useCluster(SCENARIO_OVERRIDES);

  it('SIGKILL with two turns queued: both run on the other host, in order, once; the turn cut by the kill is not re-sent', async () => {
    const cl = cluster();
    const a = await cl.startHost('queue-a');
    await cl.json('POST', '/api/agents', 201, { body: { id: 'queuer', start: true } });
    const { sessionId } = await waitRuntime(cl, 'queuer', (r) => r.status === 'idle' && r.hostId === a.id);
    const turn = (text: string) => cl.json('POST', '/api/agents/queuer/turn', 202, { body: { text } });

    await turn('slow 20000');
    await waitRuntime(cl, 'queuer', (r) => r.status === 'working');
    await turn('queued one');
    await turn('queued two');
    // both wait behind the slow turn, on host a, and are kept in Redis
    const key = cl.apiCtx.keys.agentWaitingTurns('queuer');
    await waitUntil(async () => ((JSON.parse((await cl.apiCtx.redis.get(key)) ?? '[]') as unknown[]).length === 2), 10_000);

    const b = await cl.startHost('queue-b');
    a.child.kill('SIGKILL');
    await waitRuntime(cl, 'queuer', (r) => r.hostId === b.id && (r.status === 'idle' || r.status === 'working'), 60_000);

    const turnsOnB = (): string[] => userTurns(b.transcript('queuer', sessionId!));
    await waitUntil(() => turnsOnB().includes('queued two'), 30_000);
    await waitRuntime(cl, 'queuer', (r) => r.status === 'idle' && r.hostId === b.id);
    const turns = turnsOnB();
    expect(turns.filter((t) => t === 'queued one'), 'the first queued turn, once').to.have.length(1);
    expect(turns.filter((t) => t === 'queued two'), 'the second, once').to.have.length(1);
    expect(turns.indexOf('queued one')).to.be.lessThan(turns.indexOf('queued two'));
    expect(turns.filter((t) => t === 'slow 20000'), 'the turn in flight at the kill is not sent again').to.have.length(0);
    expect(await cl.apiCtx.redis.exists(key), 'nothing left waiting').to.equal(0);
  });
});
