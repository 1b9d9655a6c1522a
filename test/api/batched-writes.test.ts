import { expect } from 'chai';
import { createAuditLog, type AuditEntry } from '../../api/audit/audit-log.js';
import { waitForRedis } from '../../shared/redis.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { dropPrefix, testConfig, testContext } from '../support/harness.js';

/**
 * The API's audit entries gathered per turn of the event loop (api/audit/audit-log.ts): nothing
 * lost or reordered, on real Redis. (Single message sends gathered into one routing job:
 * test/messages/gathered-sends.test.ts.)
 */
describe('writes gathered per turn: audit entries', function () {
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

  it('audit entries recorded together are all written, in the order recorded', async () => {
    const log = createAuditLog(ctx);
    const entry = (i: number): AuditEntry => ({ at: new Date().toISOString(), actor: 'user:a', role: 'operator', action: 'POST /api/messages', target: `/api/messages/${i}`, outcome: 'ok', status: 202, correlationId: `c-${i}`, address: '127.0.0.1' });
    await Promise.all(Array.from({ length: 150 }, (_, i) => log.record(entry(i))));
    const page = await log.list({ limit: 1000 });
    expect(page.entries.map((e) => e.correlationId)).to.deep.equal(Array.from({ length: 150 }, (_, i) => `c-${149 - i}`));
  });
});
