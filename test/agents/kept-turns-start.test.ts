import { expect } from 'chai';
import { waitUntil } from '../support/harness.js';
import { startAgentStack, uniqueAgentId, type AgentStack } from './agent-stack.js';

/**
 * Direct turns an earlier run kept in Redis (workers/agents/waiting-turns.ts) are read by the
 * next start before anything can be queued: a turn delivered while the start waits on Redis
 * saves a list of its own, and a read after that save would find only it and lose the kept ones.
 */
describe('agents: kept turns and a turn that arrives while the agent starts', function () {
  this.timeout(60_000);
  let stack: AgentStack;
  before(async () => {
    stack = await startAgentStack();
  });
  after(async () => {
    await stack?.cleanup();
  });

  it('runs the kept turns first, then the new one, each once', async () => {
    const id = uniqueAgentId('kept');
    await stack.createAgent({ id });
    const key = stack.apiCtx.keys.agentWaitingTurns(id);
    await stack.apiCtx.redis.set(key, JSON.stringify([{ text: 'kept one' }, { text: 'kept two' }]));

    const manager = stack.hosts[0]!.agents.manager;
    const started = manager.start(id);
    // the supervisor exists once the claim is made, and its start is then waiting on Redis:
    // a check-phase tick runs between that request and its answer
    while (!manager.get(id)) await new Promise((r) => setImmediate(r));
    manager.get(id)!.deliverTurn('arrived during the start', 'during-start');
    expect(await started).to.equal('started');

    let turns: string[] = [];
    await waitUntil(async () => {
      const page = await stack.json<{ entries: { kind: string; text?: string }[] }>('GET', `/api/agents/${id}/conversation?limit=100`, 200);
      turns = page.entries.filter((e) => e.kind === 'turn').map((e) => e.text ?? '');
      return turns.length >= 3;
    }, 20_000);
    await stack.waitStatus(id, 'idle');
    expect(turns).to.deep.equal(['kept one', 'kept two', 'arrived during the start']);
    await waitUntil(async () => (await stack.apiCtx.redis.exists(key)) === 0, 5_000);
  });
});
