import { expect } from 'chai';
import type { Redis } from 'ioredis';
import { createRedis, closeRedis } from '../../shared/redis.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import { createRuntimeWriter } from '../../workers/agents/runtime-writer.js';
import { dropPrefix, redisUrl, testConfig, testContext, waitUntil } from '../support/harness.js';

/**
 * The runtime writer holds fields persisted in a row and writes them once: what Redis runs,
 * in order, is watched with MONITOR (commands a script runs show up too), filtered to this
 * test's prefix.
 */
describe('agents: the runtime writer', function () {
  this.timeout(30_000);
  let ctx: NoxContext;
  let connection: Redis;
  let monitor: Redis;
  let seen: string[][] = [];

  before(async () => {
    ctx = testContext(testConfig(), 'worker');
    const prefix = ctx.config.redis.prefix;
    connection = createRedis(redisUrl(), 'blocking');
    monitor = await connection.monitor();
    monitor.on('monitor', (_time: string, args: string[]) => {
      const [name = '', ...rest] = args;
      if (/^(evalsha|eval|script)$/i.test(name)) return;
      if (rest.some((a) => a.startsWith(prefix))) seen.push([name.toUpperCase(), ...rest]);
    });
  });
  after(async () => {
    monitor.disconnect();
    await closeRedis(connection).catch(() => undefined);
    await ctx.close();
    await dropPrefix(ctx.config.redis.prefix);
  });

  it('writes fields persisted in a row as one HSET, before the event that follows them', async () => {
    seen = [];
    const writer = createRuntimeWriter(ctx, 'rw', 'host-1', ctx.logger);
    writer.persist({ status: 'working', queuedTurns: 2 });
    writer.persist({ queuedTurns: 0, costUsd: 0.5 });
    writer.publish('agent.status', { status: 'working' }, 'corr-1');
    await writer.settled();
    await waitUntil(() => seen.some((c) => c[0] === 'XADD'));
    const names = seen.map((c) => c[0]);
    expect(names.filter((n) => n === 'HSET')).to.have.length(1);
    expect(names.indexOf('HSET')).to.be.lessThan(names.indexOf('XADD'));
    const runtime = await readRuntime(ctx.redis, ctx.keys, 'rw');
    expect(runtime).to.include({ status: 'working', queuedTurns: 0, costUsd: 0.5 });
    expect(await ctx.redis.sismember(ctx.keys.agentIndex(), 'rw')).to.equal(1);
  });

  it('writes held fields when nothing follows them, and settled() waits for them', async () => {
    seen = [];
    const writer = createRuntimeWriter(ctx, 'rw2', 'host-1', ctx.logger);
    writer.persist({ status: 'idle' });
    writer.persist({ restarts: 3 });
    await writer.settled();
    expect(await readRuntime(ctx.redis, ctx.keys, 'rw2')).to.include({ status: 'idle', restarts: 3 });
    writer.persist({ status: 'working' });
    await new Promise((r) => setImmediate(r)); // the end of the event loop's turn, no settled()
    await waitUntil(async () => (await readRuntime(ctx.redis, ctx.keys, 'rw2'))?.status === 'working');
    // MONITOR's feed may trail the reads: wait for both writes to show, then look at the first
    await waitUntil(() => seen.filter((c) => c[0] === 'HSET').length >= 2);
    const first = seen.find((c) => c[0] === 'HSET') as string[];
    expect(first).to.include.members(['status', 'idle', 'restarts', '3']);
  });
});
