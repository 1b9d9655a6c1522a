import { expect } from 'chai';
import { Worker, type Queue } from 'bullmq';
import { createAuditLog, type AuditEntry } from '../../api/audit/audit-log.js';
import { createAddBatcher } from '../../shared/queues/add-batcher.js';
import { closeRedis, createRedis, waitForRedis } from '../../shared/redis.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { dropPrefix, redisUrl, testConfig, testContext, waitUntil } from '../support/harness.js';

/**
 * The API's writes gathered per turn of the event loop: queue adds (shared/queues/add-batcher.ts,
 * POST /api/messages) and audit entries (api/audit/audit-log.ts). Gathered, nothing is lost,
 * doubled or reordered: on real Redis and a real BullMQ worker.
 */
describe('writes gathered per turn: queue adds and audit entries', function () {
  this.timeout(30_000);
  let ctx: NoxContext;
  before(async () => {
    ctx = testContext(testConfig({ overrides: { 'audit.registry': false } }), 'api');
    await waitForRedis(ctx.redis);
  });
  after(async () => {
    await ctx.close();
    await dropPrefix(ctx.config.redis.prefix);
  });

  it('concurrent adds go out as one addBulk and each job, added twice or not, is processed exactly once', async () => {
    const queue = ctx.queue('batched');
    let bulkWrites = 0;
    const counted = new Proxy(queue, {
      get(target, prop, receiver) {
        if (prop === 'addBulk') bulkWrites++;
        return Reflect.get(target, prop, receiver) as unknown;
      },
    }) as Queue;
    const batcher = createAddBatcher(() => counted);
    const ids = Array.from({ length: 200 }, (_, i) => `job-${i}`);
    // every id twice in one turn (a retried request), and the first 50 again in a later turn
    const jobs = await Promise.all([...ids, ...ids].map((id) => batcher.add('work', { id }, { jobId: id })));
    await Promise.all(ids.slice(0, 50).map((id) => batcher.add('work', { id }, { jobId: id })));
    expect(bulkWrites, 'two turns: two writes').to.equal(2);
    expect((await batcher.add('work', { id: 'job-1' }, { jobId: 'job-1' })).id, 'alone, a plain add: still the one job').to.equal('job-1');
    expect(new Set(jobs.map((j) => j.id)).size).to.equal(200);

    const processed = new Map<string, number>();
    const connection = createRedis(redisUrl(), 'blocking');
    const worker = new Worker('batched', async (job) => void processed.set(job.id as string, (processed.get(job.id as string) ?? 0) + 1), { connection, prefix: ctx.config.redis.prefix, concurrency: 8 });
    try {
      await waitUntil(() => processed.size === 200, 20_000);
      // a late re-add of a finished job is ignored too
      await batcher.add('work', { id: 'job-0' }, { jobId: 'job-0' });
      await new Promise((r) => setTimeout(r, 300));
      expect([...processed.values()].every((n) => n === 1), 'each job once').to.equal(true);
      expect(processed.size).to.equal(200);
    } finally {
      await worker.close();
      await closeRedis(connection);
    }
  });

  it('a failed bulk write fails every add in it, none reported added', async () => {
    const batcher = createAddBatcher(() => ({ addBulk: () => Promise.reject(new Error('redis said no')), add: () => Promise.reject(new Error('redis said no')) }) as unknown as Queue);
    const results = await Promise.allSettled([1, 2, 3].map((i) => batcher.add('work', { i }, { jobId: `x-${i}` })));
    expect(results.map((r) => r.status)).to.deep.equal(['rejected', 'rejected', 'rejected']);
    expect((await Promise.allSettled([batcher.add('work', {}, { jobId: 'alone' })]))[0]?.status).to.equal('rejected');
  });

  it('audit entries recorded together are all written, in the order recorded', async () => {
    const log = createAuditLog(ctx);
    const entry = (i: number): AuditEntry => ({ at: new Date().toISOString(), actor: 'user:a', role: 'operator', action: 'POST /api/messages', target: `/api/messages/${i}`, outcome: 'ok', status: 202, correlationId: `c-${i}`, address: '127.0.0.1' });
    await Promise.all(Array.from({ length: 150 }, (_, i) => log.record(entry(i))));
    const page = await log.list({ limit: 1000 });
    expect(page.entries.map((e) => e.correlationId)).to.deep.equal(Array.from({ length: 150 }, (_, i) => `c-${149 - i}`));
  });
});
