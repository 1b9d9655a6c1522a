/**
 * Ping round trip (API → host queue → worker host → event stream → API) against two
 * baselines measured in the same run on the same Redis:
 *   - a bare Express handler over HTTP (the cost of HTTP alone),
 *   - raw BullMQ: add a job and wait for its completion through QueueEvents.
 * Usage: npm run bench -- ping [count]   (default 1000 sequential round trips)
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Queue, QueueEvents, Worker } from 'bullmq';
import express from 'express';
import { startStack, tokenFor, uniquePrefix, redisUrl, deletePrefix } from '../../test/support/harness.js';
import { createRedis, closeRedis } from '../../shared/redis.js';
import { line, summarize, timeEach } from '../support/stats.js';

export async function run(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 1000);
  const warmup = Math.min(100, Math.ceil(n / 10));

  // bare Express
  const app = express();
  app.post('/ping', (_req, res) => {
    res.json({ ok: true });
  });
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const bareUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/ping`;
  await timeEach(warmup, () => fetch(bareUrl, { method: 'POST' }).then((r) => r.json()));
  const bare = summarize(await timeEach(n, () => fetch(bareUrl, { method: 'POST' }).then((r) => r.json())));
  server.close();

  // raw BullMQ
  const prefix = uniquePrefix();
  const connection = createRedis(redisUrl(), 'blocking');
  const queue = new Queue('bench', { connection, prefix });
  const events = new QueueEvents('bench', { connection: { url: redisUrl() } as never, prefix });
  const worker = new Worker('bench', async () => ({ ok: true }), { connection: createRedis(redisUrl(), 'blocking'), prefix, concurrency: 8 });
  await events.waitUntilReady();
  const rawOnce = async (): Promise<unknown> => (await queue.add('ping', { t: Date.now() }, { priority: 5 })).waitUntilFinished(events);
  await timeEach(warmup, rawOnce);
  const raw = summarize(await timeEach(n, rawOnce));
  await worker.close();
  await events.close();
  await queue.close();
  await deletePrefix(connection, prefix);
  await closeRedis(connection);

  // Nox ping
  const stack = await startStack();
  const token = tokenFor('operator');
  const ping = async (): Promise<unknown> => {
    const res = await fetch(`${stack.api.url}/api/system/ping`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
    if (!res.ok) throw new Error(`ping answered ${res.status}: ${await res.text()}`);
    return res.json();
  };
  await timeEach(warmup, ping);
  const nox = summarize(await timeEach(n, ping));
  await stack.cleanup();

  process.stdout.write(`ping round trip, ${n} sequential requests after ${warmup} warm-up, Redis ${redisUrl()}\n`);
  process.stdout.write(`${line('bare Express handler (baseline)', bare)}\n`);
  process.stdout.write(`${line('raw BullMQ add→completed (baseline)', raw)}\n`);
  process.stdout.write(`${line('nox POST /api/system/ping', nox)}\n`);
  process.stdout.write(
    `ratio nox/raw-bullmq: p50 ${(nox.p50 / raw.p50).toFixed(2)}x  p99 ${(nox.p99 / raw.p99).toFixed(2)}x; ` +
      `nox/bare-express: p50 ${(nox.p50 / bare.p50).toFixed(2)}x  p99 ${(nox.p99 / bare.p99).toFixed(2)}x\n`,
  );
}
