import { expect } from 'chai';
import { createLogger } from '../../shared/logger.js';
import { closeRedis, createRedis, waitForRedis } from '../../shared/redis.js';
import { createLease } from '../../workers/runtime/lease.js';
import { redisUrl, uniquePrefix, waitUntil } from '../support/harness.js';

/**
 * A lease (workers/runtime/lease.ts) is this process's only until its TTL runs out from the
 * last renewal that landed: a holder whose event loop stalls past the TTL must not go on
 * acting as the holder while another process takes the key.
 */
describe('leases: a holder that could not renew in time is not the holder', () => {
  const logger = createLogger({ level: 'silent' });
  const redis = createRedis(redisUrl(), 'command');
  const key = `${uniquePrefix()}:lease`;
  // no offline queue: a command sent before the connection is up fails
  before(() => waitForRedis(redis));
  after(async () => {
    await redis.del(key);
    await closeRedis(redis);
  });

  it('a stall past the TTL: the first says it no longer holds it, tells its listeners, and the second takes it', async () => {
    const first = createLease(redis, key, 300, logger, { name: 'test', lostLevel: 'warn' });
    const second = createLease(redis, key, 300, logger, { name: 'test', lostLevel: 'warn' });
    expect(await first.tryAcquire()).to.equal(true);
    expect(await second.tryAcquire()).to.equal(false);
    let told = 0;
    first.onLost(() => told++);

    // the first renews while its loop runs
    await new Promise((r) => setTimeout(r, 700));
    expect(first.held, 'renewed in time').to.equal(true);
    expect(await second.tryAcquire()).to.equal(false);

    // a stall longer than the TTL: no renewal goes out, the key expires in Redis
    const until = Date.now() + 450;
    while (Date.now() < until); // eslint-disable-line no-empty
    expect(first.held, 'past its time, before any renewal answered').to.equal(false);
    expect(await second.tryAcquire()).to.equal(true);
    await waitUntil(() => told === 1, 2_000);
    expect(first.held).to.equal(false);
    expect(await redis.get(key)).to.equal(second.token);
    await second.release();
    await first.release();
  });
});
