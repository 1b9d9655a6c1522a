import { expect } from 'chai';
import { agentConfigDir } from '../../workers/agents/claude-cli/command-line.js';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import type { DomainEvent } from '../../shared/types.js';
import { readTranscript } from '../../workers/messages/deliverer.js';
import { apiCaller } from '../support/api-caller.js';
import { waitUntil } from '../support/harness.js';
import { userTurns } from '../support/transcripts.js';
import { startApiWithWorkers, type ApiWithWorkers } from '../support/worker-process.js';
import { FAKE_CLAUDE } from './agent-stack.js';

/**
 * Failover: host A runs an agent and is SIGKILLed; host B sees it stop heartbeating,
 * publishes host.down once and sends A's running agents back to the spawn queue; the agent
 * comes up on B, resumes its session (same machine: the session file is there) and keeps
 * receiving messages. A stopped agent of A stays stopped.
 */
describe('agents: failover to a live host when their host dies', function () {
  this.timeout(90_000);
  let stack: ApiWithWorkers;
  const overrides = {
    'agent.command': process.execPath,
    'agent.args': [FAKE_CLAUDE],
    'agent.store': 'redis',
    'agent.registry_appends': false,
    'agent.stop_grace_ms': 1000,
    'agent.sampling_interval_ms': 60_000,
    'messages.sweep_interval_ms': 300,
  };

  before(async () => {
    stack = await startApiWithWorkers(overrides);
  });
  after(() => stack.cleanup());

  it('moves the running agents of a SIGKILLed host to a live one, which resumes their sessions', async () => {
    const { config, apiCtx, api } = stack;
    const { json } = apiCaller(api.url);
    const hostA = await stack.startWorker({ 'worker.host_id': 'fo-a' });
    for (const id of ['fo-run', 'fo-stopped']) {
      await json('POST', '/api/agents', 201, { body: { id } });
      await json('POST', `/api/agents/${id}/start`, 202);
    }
    await waitUntil(async () => (await Promise.all(['fo-run', 'fo-stopped'].map((id) => readRuntime(apiCtx.redis, apiCtx.keys, id)))).every((r) => r?.status === 'idle' && r.hostId === 'fo-a'), 20_000);
    await json('POST', '/api/agents/fo-stopped/stop', 202);
    await waitUntil(async () => (await readRuntime(apiCtx.redis, apiCtx.keys, 'fo-stopped'))?.status === 'stopped', 10_000);

    const first = (await json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'fo-run', content: 'before the crash' } })).id;
    const session = (await readRuntime(apiCtx.redis, apiCtx.keys, 'fo-run'))!.sessionId!;
    // what the agent read: the user turns of its session transcript
    const read = (): string[] => userTurns(readTranscript(agentConfigDir(config, 'fo-run'), session));
    const turnsWith = (id: string): number => read().filter((t) => t.includes(`[message ${id}]`)).length;
    await waitUntil(() => turnsWith(first) === 1, 10_000);

    await stack.startWorker({ 'worker.host_id': 'fo-b' });
    hostA.kill('SIGKILL');

    // B reports A once, fails fo-run over to itself, and the agent resumes the same session there
    await waitUntil(async () => {
      const r = await readRuntime(apiCtx.redis, apiCtx.keys, 'fo-run');
      return r?.status === 'idle' && r.hostId === 'fo-b';
    }, 30_000);
    const moved = await readRuntime(apiCtx.redis, apiCtx.keys, 'fo-run');
    expect(moved?.sessionId).to.equal(session);
    expect(moved?.reason).to.equal('resumed');

    const second = (await json<{ id: string }>('POST', '/api/messages', 202, { body: { to: 'fo-run', content: 'after the crash' } })).id;
    await waitUntil(() => turnsWith(second) === 1, 10_000);
    expect(turnsWith(first)).to.equal(1);

    const events = (await apiCtx.redis.xrange(apiCtx.keys.events(), '-', '+')).map(([, f]) => JSON.parse(f[1] as string) as DomainEvent);
    expect(events.filter((e) => e.type === 'host.down' && e.hostId === 'fo-a')).to.have.length(1);
    expect(events.filter((e) => e.type === 'agent.failover').map((e) => e.agentId)).to.deep.equal(['fo-run']);
    expect((await readRuntime(apiCtx.redis, apiCtx.keys, 'fo-stopped'))?.status).to.equal('stopped');
  });
});
