import { PassThrough } from 'node:stream';
import { expect } from 'chai';
import { freePort } from '../../bin/local-redis.js';
import { isRedisDownError } from '../../shared/errors/coerce-error.js';
import { createLogger } from '../../shared/logger.js';
import { createQueue } from '../../shared/queues/queue-factory.js';
import { isRedisUnavailable, redisIsDown, reportLoopError, reportRedisUp } from '../../shared/redis-reachability.js';
import { createRedis, waitForRedis } from '../../shared/redis.js';
import { makeKeys } from '../../shared/keys.js';
import { redisUrl, uniquePrefix, waitUntil } from '../support/harness.js';

/**
 * One classification of Redis failures for every loop and listener
 * (shared/redis-reachability.ts, `reportLoopError`): unreachable is said once for the
 * process, a command on a connection that is not connected (reconnecting, closed by a stop)
 * is expected (debug), anything else is a warning. Real errors from real ioredis clients.
 */
describe('Redis failures: classified once for every loop', () => {
  const logged = (): { logger: ReturnType<typeof createLogger>; entries: { level: string; message: string }[] } => {
    const stream = new PassThrough();
    const entries: { level: string; message: string }[] = [];
    stream.on('data', (c: Buffer) => entries.push(...c.toString().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { level: string; message: string })));
    return { logger: createLogger({ level: 'debug', stream, format: 'json' }), entries };
  };
  afterEach(() => reportRedisUp(undefined));

  it('a command cut by a closed connection is expected (debug); another failure is a warning', async () => {
    const redis = createRedis(redisUrl(), 'command');
    await waitForRedis(redis);
    redis.disconnect();
    const closed = await redis.get('x').then(() => undefined, (err: unknown) => err);
    expect(isRedisUnavailable(closed) && isRedisDownError(closed), String(closed)).to.equal(true);
    const { logger, entries } = logged();
    reportLoopError(logger, 'a loop failed', closed);
    reportLoopError(logger, 'a loop failed', new Error('WRONGTYPE Operation against a key holding the wrong kind of value'));
    await waitUntil(() => entries.length === 2, 5_000);
    expect(entries.map((e) => [e.level, e.message])).to.deep.equal([
      ['debug', 'a loop failed (Redis unavailable)'],
      ['warn', 'a loop failed'],
    ]);
    expect(redisIsDown()).to.equal(false);
  });

  it('unreachable Redis: a connection, a BullMQ queue and a loop say it once for the process, then only debug lines', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const { logger, entries } = logged();
    const queue = createQueue('nowhere', createRedis(url, 'blocking', logger), makeKeys(uniquePrefix()), logger, { keepCompleted: 1, keepFailed: 1, attempts: 1 });
    await waitUntil(() => redisIsDown(), 20_000);
    const refused = Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    reportLoopError(logger, 'a loop failed', refused);
    reportLoopError(logger, 'a loop failed', new Error('a refresh read nothing'));
    await waitUntil(() => entries.some((e) => e.message === 'a loop failed (Redis unavailable)'), 5_000);
    await queue.close().catch(() => undefined);
    expect(entries.filter((e) => e.level === 'warn').map((e) => e.message)).to.have.length(1);
    expect(entries.find((e) => e.level === 'warn')?.message).to.match(/^Redis is not reachable at/);
  });
});
