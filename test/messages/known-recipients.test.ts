import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { createKnownAgents, KNOWN_MS } from '../../api/agents/known-agents.js';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { newAgentConfig } from '../../shared/agents/agent-config.js';
import { createRedisAgentStore } from '../../shared/agents/agent-store.js';
import type { AgentStore } from '../../shared/agents/agent-store-contract.js';
import { AgentNotFoundError } from '../../shared/errors/agent-errors.js';
import { createStreamTailer, type StreamTailer } from '../../shared/events/stream-tailer.js';
import { waitForRedis } from '../../shared/redis.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { dropPrefix, testConfig, testContext, waitUntil } from '../support/harness.js';

/**
 * `POST /api/messages` checks its recipients from the node's memory of agents seen to exist
 * (api/agents/known-agents.ts): an agent found is taken as existing for at most KNOWN_MS from
 * the read that found it, an `agent.deleted` event forgets it at once, and an agent not found
 * is never remembered. The clock is the test's; the store and the event stream are real.
 */
describe('message recipients known to exist: within a bound', () => {
  let ctx: NoxContext;
  let store: AgentStore;
  let clock = 0;
  const now = (): number => clock;
  const refused = async (p: Promise<void>): Promise<boolean> => p.then(() => false, (err: unknown) => (err instanceof AgentNotFoundError ? true : Promise.reject(err)));

  before(async () => {
    ctx = testContext(testConfig(), 'api');
    await waitForRedis(ctx.redis);
    store = createRedisAgentStore(ctx.redis, ctx.keys);
  });
  after(async () => {
    await dropPrefix(ctx.config.redis.prefix);
    await ctx.close();
    rmSync(ctx.config.registryDir, { recursive: true, force: true });
  });

  it('a deleted agent is refused at the latest KNOWN_MS after the read that found it', async () => {
    const known = createKnownAgents(store, undefined, now);
    await store.create(newAgentConfig({ id: 'kr-a' }), 'system');
    clock = 10_000;
    await known.require('kr-a');
    await store.remove('kr-a', 'system');
    clock = 10_000 + KNOWN_MS - 1;
    expect(await refused(known.require('kr-a'))).to.equal(false);
    clock = 10_000 + KNOWN_MS;
    expect(await refused(known.require('kr-a'))).to.equal(true);
    expect(await refused(known.require('kr-a'))).to.equal(true);
  });

  it('an agent not found is not remembered: created a moment later, it is found at once', async () => {
    const known = createKnownAgents(store, undefined, now);
    expect(await refused(known.require('kr-b'))).to.equal(true);
    await store.create(newAgentConfig({ id: 'kr-b' }), 'system');
    expect(await refused(known.require('kr-b'))).to.equal(false);
  });

  it('an agent.deleted event forgets the agent as it arrives', async () => {
    const tailer: StreamTailer = createStreamTailer({ redis: ctx.connect('blocking', 'test-tail'), stream: ctx.keys.events(), logger: ctx.logger, blockMs: 100 });
    await tailer.start();
    try {
      const known = createKnownAgents(store, tailer, now);
      await store.create(newAgentConfig({ id: 'kr-c' }), 'system');
      clock = 50_000;
      await known.require('kr-c');
      await store.remove('kr-c', 'system');
      // the clock stands still: only the event can make it refused
      await ctx.events.publish({ type: AGENT_EVENT.deleted, agentId: 'kr-c', data: { by: 'system' } });
      await waitUntil(async () => refused(known.require('kr-c')), 5000, 20);
    } finally {
      await tailer.stop();
    }
  });
});
