/**
 * Messages end to end: API accepted (the message's timestamp) → written on the agent's
 * stdin (the `message.delivered` event, published right after the write), with N stand-in
 * agents (test/fixtures/fake-claude.mjs), next to raw BullMQ add+process measured in the
 * same run on the same Redis. Nox runs as deployed: an API process and a worker host
 * process (`nox api`, `nox worker --registry-writer`); this process is only the load (64
 * keep-alive HTTP senders) and the clock. Prints messages/s for both and the ratio, and
 * latency percentiles at a paced rate (default 1,000 messages/s).
 *
 * Also: the same number of messages sent in batches (POST /api/messages/batch).
 *
 * Usage: npx tsx bench/messages/end-to-end.ts [messages=4000] [agents=16] [paced-rate=1000] [batch=100]
 *        (or `npm run bench -- messages ...` once bench/run.ts lists it)
 */
import { Queue, Worker } from 'bullmq';
import { closeRedis, createRedis } from '../../shared/redis.js';
import { deletePrefix, redisUrl, tokenFor, uniquePrefix } from '../../test/support/harness.js';
import { startBareExpress } from '../support/bare-express-process.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { startDeployment, type NoxDeployment } from '../support/nox-deployment.js';
import { readRuntimes } from '../../shared/agents/runtime-state.js';
import { standInSettings, startStandIns } from '../support/stand-in-agents.js';
import { summarize, line } from '../support/stats.js';
import { cpuBetween, cpuLine, cpuSnapshot, deploymentGroups } from '../support/cpu-split.js';
import { redisBetween, redisLine, redisSnapshot } from '../support/redis-split.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function rawBullmq(n: number): Promise<{ perSecond: number; latencies: number[] }> {
  const prefix = uniquePrefix();
  const connection = createRedis(redisUrl(), 'blocking');
  const queue = new Queue('bench-raw', { connection, prefix });
  const latencies: number[] = [];
  let done = 0;
  let finish: () => void = () => undefined;
  const all = new Promise<void>((r) => (finish = r));
  const worker = new Worker(
    'bench-raw',
    async (job) => {
      latencies.push(Date.now() - (job.data as { t: number }).t);
      if (++done === n) finish();
    },
    { connection: createRedis(redisUrl(), 'blocking'), prefix, concurrency: 16 },
  );
  worker.on('error', () => undefined);
  await worker.waitUntilReady();
  const started = Date.now();
  for (let i = 0; i < n; i += 50) {
    await Promise.all(Array.from({ length: Math.min(50, n - i) }, () => queue.add('m', { t: Date.now(), body: 'x'.repeat(64) }, { priority: 10, removeOnComplete: 1000 })));
  }
  await all;
  const perSecond = n / ((Date.now() - started) / 1000);
  await worker.close();
  await queue.close();
  await deletePrefix(connection, prefix);
  await closeRedis(connection);
  return { perSecond, latencies };
}

interface Sent {
  id: string;
  acceptedAt: number;
}

const SENDERS = 64;

/** Sends n messages round-robin to the agents: flat out with SENDERS in flight, or paced at a rate. */
async function sendAll(http: HttpClient, url: string, agents: string[], n: number, ratePerSecond?: number): Promise<{ sent: Sent[]; perSecond: number }> {
  const sent: Sent[] = [];
  const one = async (i: number): Promise<void> => {
    const res = await http.send<{ id: string; message: { timestamp: string } }>('POST', `${url}/api/messages`, { to: agents[i % agents.length], content: `bench ${i}`, priority: 'normal' });
    if (res.status !== 202) throw new Error(`send answered ${res.status}: ${JSON.stringify(res.body)}`);
    sent.push({ id: res.body.id, acceptedAt: Date.parse(res.body.message.timestamp) });
  };
  const start = Date.now();
  const inflight = new Set<Promise<void>>();
  for (let i = 0; i < n; i++) {
    if (ratePerSecond) {
      const wait = start + (i * 1000) / ratePerSecond - Date.now();
      if (wait > 0) await sleep(wait);
    }
    // a slow API makes the rate fall behind, not the sockets run out
    if (inflight.size >= SENDERS) await Promise.race(inflight);
    const p = one(i).finally(() => inflight.delete(p));
    inflight.add(p);
  }
  await Promise.all(inflight);
  return { sent, perSecond: n / ((Date.now() - start) / 1000) };
}

/** The same senders against a bare Express handler in its own process: what HTTP alone allows here. */
async function bareExpress(http: HttpClient, n: number): Promise<number> {
  const bare = await startBareExpress();
  try {
    await sendAll(http, bare.url, ['warm'], Math.min(500, n));
    return (await sendAll(http, bare.url, ['bare'], n)).perSecond;
  } finally {
    bare.stop();
  }
}

/** Sends n messages in batches of `size` through POST /api/messages/batch, SENDERS / 4 batches in flight, flat out or paced at a rate of messages. */
async function sendBatches(http: HttpClient, url: string, agents: string[], n: number, size: number, ratePerSecond?: number): Promise<{ sent: Sent[]; perSecond: number }> {
  const sent: Sent[] = [];
  const start = Date.now();
  const batches = Array.from({ length: Math.ceil(n / size) }, (_, b) => Array.from({ length: Math.min(size, n - b * size) }, (_, k) => b * size + k));
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < batches.length) {
      const b = next++;
      const batch = batches[b]!;
      if (ratePerSecond) {
        const wait = start + (b * size * 1000) / ratePerSecond - Date.now();
        if (wait > 0) await sleep(wait);
      }
      const res = await http.send<{ ids: string[]; timestamp: string }>('POST', `${url}/api/messages/batch`, { messages: batch.map((i) => ({ to: agents[i % agents.length], content: `bench ${i}`, priority: 'normal' })) });
      if (res.status !== 202) throw new Error(`batch answered ${res.status}: ${JSON.stringify(res.body)}`);
      const at = Date.parse(res.body.timestamp);
      for (const id of res.body.ids) sent.push({ id, acceptedAt: at });
    }
  };
  await Promise.all(Array.from({ length: SENDERS / 4 }, lane));
  return { sent, perSecond: n / ((Date.now() - start) / 1000) };
}

/** When each message was in its agent's inbox (`message.queued`), for the split of the latency: accepted → routed → on stdin. */
const queuedAt = new Map<string, number>();

/** When each message was written on its agent's stdin: its `message.delivered` event. */
async function deliveredAt(nox: NoxDeployment, ids: Set<string>, timeoutMs: number): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const deadline = Date.now() + timeoutMs;
  let from = '-';
  while (out.size < ids.size && Date.now() < deadline) {
    const entries = (await nox.redis.xrange(nox.keys.events(), from, '+', 'COUNT', 5000)) as [string, string[]][];
    for (const [id, fields] of entries) {
      from = `(${id}`;
      const e = JSON.parse(fields[1]!) as { type: string; at: string; data: { messageId?: string } };
      if (e.type === 'message.delivered' && e.data.messageId && ids.has(e.data.messageId)) out.set(e.data.messageId, Date.parse(e.at));
      if (e.type === 'message.queued' && e.data.messageId && ids.has(e.data.messageId)) queuedAt.set(e.data.messageId, Date.parse(e.at));
    }
    if (entries.length === 0) await sleep(50);
  }
  return out;
}

export async function run(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 4000);
  const agentCount = Number(args[1] ?? 16);
  const paced = Number(args[2] ?? 1000);
  const batchSize = Number(args[3] ?? 100);

  const raw = await rawBullmq(n);

  const nox = await startDeployment(standInSettings(agentCount));
  const http = httpClient(tokenFor('operator'), SENDERS);
  try {
    const bare = await bareExpress(http, n);
    const agents = await startStandIns(http, nox.url, agentCount);

    // throughput: as fast as SENDERS concurrent HTTP senders go
    const groups = await deploymentGroups(nox, agents);
    const redis0 = await redisSnapshot(nox.redis);
    const cpu0 = cpuSnapshot();
    const t0 = Date.now();
    const flat = await sendAll(http, nox.url, agents, n);
    const delivered = await deliveredAt(nox, new Set(flat.sent.map((s) => s.id)), 120_000);
    const flatCpu = cpuBetween(cpu0, cpuSnapshot(), groups);
    const flatRedis = redisBetween(redis0, await redisSnapshot(nox.redis));
    const flatSeconds = (Date.now() - t0) / 1000;
    const last = Math.max(...delivered.values());
    const noxPerSecond = delivered.size / ((last - t0) / 1000);
    const lat = flat.sent.filter((s) => delivered.has(s.id)).map((s) => (delivered.get(s.id) as number) - s.acceptedAt);

    // latency at a paced rate
    const pacedCount = paced * 3;
    const pacedRun = await sendAll(http, nox.url, agents, pacedCount, paced);
    const deliveredPaced = await deliveredAt(nox, new Set(pacedRun.sent.map((s) => s.id)), 120_000);
    const latPaced = pacedRun.sent.filter((s) => deliveredPaced.has(s.id)).map((s) => (deliveredPaced.get(s.id) as number) - s.acceptedAt);

    // throughput with batched requests
    const t1 = Date.now();
    const batched = await sendBatches(http, nox.url, agents, n, batchSize);
    const deliveredBatched = await deliveredAt(nox, new Set(batched.sent.map((s) => s.id)), 120_000);
    const batchedPerSecond = deliveredBatched.size / ((Math.max(...deliveredBatched.values()) - t1) / 1000);
    const latBatched = batched.sent.filter((s) => deliveredBatched.has(s.id)).map((s) => (deliveredBatched.get(s.id) as number) - s.acceptedAt);

    // latency at the paced rate, sent in batches of `batchSize`
    const pacedBatched = await sendBatches(http, nox.url, agents, pacedCount, batchSize, paced);
    const deliveredPacedBatched = await deliveredAt(nox, new Set(pacedBatched.sent.map((s) => s.id)), 120_000);
    const latPacedBatched = pacedBatched.sent.filter((s) => deliveredPacedBatched.has(s.id)).map((s) => (deliveredPacedBatched.get(s.id) as number) - s.acceptedAt);

    // the turns the agents ran (each result line counts one; several messages waiting for an agent go as one turn): per-turn costs divide by this
    let turns = -1;
    for (let same = 0; same < 3; ) {
      const now = [...(await readRuntimes(nox.redis, nox.keys, agents)).values()].reduce((sum, r) => sum + r.turns, 0);
      same = now === turns ? same + 1 : 0;
      turns = now;
      await sleep(200);
    }

    const out = (s: string): boolean => process.stdout.write(`${s}\n`);
    out(`messages end to end: ${n} messages to ${agentCount} stand-in agents; nox api + nox worker processes; Redis ${redisUrl()}`);
    out(`raw BullMQ add+process (concurrency 16)   ${raw.perSecond.toFixed(0).padStart(7)} jobs/s`);
    out(`bare Express handler, same senders        ${bare.toFixed(0).padStart(7)} requests/s  (HTTP alone, own process)`);
    out(`Nox API accepted → on the agent's stdin   ${noxPerSecond.toFixed(0).padStart(7)} messages/s  (${delivered.size}/${n} delivered)`);
    out(`  of which the API accepted               ${flat.perSecond.toFixed(0).padStart(7)} messages/s  (${SENDERS} keep-alive HTTP senders; ${(flat.perSecond / bare).toFixed(2)}× bare Express)`);
    out(`ratio Nox / raw BullMQ                    ${(noxPerSecond / raw.perSecond).toFixed(2)}`);
    out(`  CPU, flat out: ${cpuLine(flatCpu, flatSeconds)}`);
    out(`  CPU per message, flat out: ${Object.entries(flatCpu).map(([g, s]) => `${g} ${((s * 1e6) / n).toFixed(0)} µs`).join(' · ')}`);
    out(`  ${redisLine(flatRedis, n).replace('per request', 'per message, flat out')}`);
    out(`Nox, batches of ${String(batchSize).padEnd(4)} per request          ${batchedPerSecond.toFixed(0).padStart(7)} messages/s  (${deliveredBatched.size}/${n} delivered; the API accepted ${batched.perSecond.toFixed(0)}/s)`);
    out(`ratio Nox batched / raw BullMQ            ${(batchedPerSecond / raw.perSecond).toFixed(2)}`);
    out(line('raw BullMQ latency (add → process)', summarize(raw.latencies)));
    out(line('Nox latency, flat out', summarize(lat)));
    out(line('Nox latency, batched, flat out', summarize(latBatched)));
    out(line(`Nox latency at ${paced} messages/s asked`, summarize(latPaced)) + `  (${deliveredPaced.size}/${pacedCount} delivered; sent at ${pacedRun.perSecond.toFixed(0)}/s)`);
    const routed = pacedRun.sent.filter((s) => queuedAt.has(s.id) && deliveredPaced.has(s.id));
    out(line('  of which accepted → in the inbox', summarize(routed.map((s) => (queuedAt.get(s.id) as number) - s.acceptedAt))));
    out(line('  of which in the inbox → on stdin', summarize(routed.map((s) => (deliveredPaced.get(s.id) as number) - (queuedAt.get(s.id) as number)))));
    out(line(`Nox latency at ${paced}/s, in batches of ${batchSize}`, summarize(latPacedBatched)) + `  (${deliveredPacedBatched.size}/${pacedCount} delivered; sent at ${pacedBatched.perSecond.toFixed(0)}/s)`);
    out(`agent turns, all four runs                ${String(turns).padStart(7)}  (${((n * 2 + pacedCount * 2) / turns).toFixed(2)} messages per turn)`);
  } finally {
    http.close();
    await nox.stop();
  }
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/^.*\/bench\//, 'bench/'))) {
  process.env.LOG_LEVEL ??= 'silent';
  run(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
