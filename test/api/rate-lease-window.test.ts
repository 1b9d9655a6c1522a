import { expect } from 'chai';
import net from 'node:net';
import type { Redis } from 'ioredis';
import { createRateLease } from '../../api/http/rate-lease.js';
import { closeRedis, createRedis, waitForRedis } from '../../shared/redis.js';
import { deletePrefix, redisUrl, uniquePrefix } from '../support/harness.js';

/**
 * A node's rate-limit window (api/http/rate-lease.ts) never outlasts the one in Redis: it is
 * counted from when the lease was asked for, and a lease whose window ended while it was on
 * the way is not used. Redis is reached through a TCP relay that holds every reply back
 * REPLY_DELAY_MS (a slow network or a busy Redis), so a reply arrives well after Redis read
 * the window's TTL.
 */
const REPLY_DELAY_MS = 600;

/** a relay to the test Redis that forwards requests at once and each reply after `delayMs` (in order) */
async function slowReplies(delayMs: number): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(redisUrl());
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    const upstream = net.connect(Number(target.port || 6379), target.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => upstream.write(chunk));
    upstream.on('data', (chunk) => void setTimeout(() => client.writable && client.write(chunk), delayMs));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end).on('error', end);
    upstream.on('close', () => setTimeout(end, delayMs)).on('error', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const relayed = new URL(target.href);
  relayed.hostname = '127.0.0.1';
  relayed.port = String((server.address() as net.AddressInfo).port);
  return {
    url: relayed.href,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('rate-limit leases: the window as Redis has it', function () {
  this.timeout(20_000);
  const prefix = uniquePrefix();
  let relay: Awaited<ReturnType<typeof slowReplies>>;
  let slow: Redis;
  let direct: Redis;

  before(async () => {
    relay = await slowReplies(REPLY_DELAY_MS);
    slow = createRedis(relay.url, 'command');
    direct = createRedis(redisUrl(), 'command');
    await Promise.all([waitForRedis(slow, 10_000), waitForRedis(direct)]);
  });
  after(async () => {
    await deletePrefix(direct, prefix);
    await Promise.all([closeRedis(slow), closeRedis(direct)]);
    await relay.close();
  });

  it('ends the window no later than Redis does, however late the lease reply came', async () => {
    const counter = `${prefix}rl:late-reply`;
    const counted = await createRateLease(slow, 1000, 10_000).hit(counter);
    const pttl = await direct.pttl(counter);
    expect(counted.allowed).to.equal(true);
    // counted from the reply, it would end REPLY_DELAY_MS after Redis's window
    expect(counted.resetMs - pttl, `node ${counted.resetMs} ms, Redis ${pttl} ms`).to.be.below(50);
  });

  it('does not admit a hit from a lease whose window ended on the way: it takes one in the window Redis has now', async () => {
    const counter = `${prefix}rl:ended-on-the-way`;
    const rate = createRateLease(slow, 1000, 10_000);
    // the window has 200 ms left: the lease is taken in it, and its reply comes after it ended
    await direct.set(counter, '0', 'PX', 200);
    const counted = await rate.hit(counter);
    expect(counted.allowed).to.equal(true);
    // the hit is reserved in the window Redis counts now (a lease of 10), not in the one that ended
    expect(await direct.get(counter), 'the admitted hit is in no window Redis still counts').to.equal(String(rate.lease));
    expect(counted.resetMs).to.be.greaterThan(5000);
  });
});
