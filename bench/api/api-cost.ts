/**
 * API cost per request: `GET /api/agents` and `POST /api/messages` (one message per request)
 * on Nox as deployed (`nox api` + `nox worker --registry-writer`, bench/support/nox-deployment.ts)
 * next to a bare Express handler in a process of its own serving the same JSON and accepting
 * the same body (bench/support/bare-express.ts), measured in the same run with the same
 * keep-alive client: requests/s flat out with C requests in flight for a fixed time each,
 * latency percentiles, and the ratio Nox / bare Express.
 *
 * Usage: npm run bench -- api [seconds=10] [concurrency=20] [agents=16] [api workers=1]
 *        (api workers: `nox api --workers N`; the bare Express handler stays one process)
 *        NOX_BENCH_PROFILE=<dir> writes a CPU profile of each Nox process when it stops.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import path from 'node:path';
import { redisUrl, tokenFor } from '../../test/support/harness.js';
import { startBareExpress } from '../support/bare-express-process.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { startDeployment } from '../support/nox-deployment.js';
import { standInSettings, startStandIns } from '../support/stand-in-agents.js';
import { line, summarize, type Summary } from '../support/stats.js';
import { cpuBetween, cpuLine, cpuSnapshot, deploymentGroups } from '../support/cpu-split.js';
import { redisBetween, redisLine, redisSnapshot, type CommandStats } from '../support/redis-split.js';


interface Load {
  perSecond: number;
  latency: Summary;
  /** CPU seconds per process group during the measured stretch (bench/support/cpu-split.ts) */
  cpu?: Record<string, number>;
  /** the commands Redis ran during the measured stretch (bench/support/redis-split.ts) */
  redis?: CommandStats;
  requests?: number;
  seconds?: number;
}

/** `concurrency` loops sending `request(i)` back to back for `seconds`; each answer must have `status`. */
async function load(http: HttpClient, seconds: number, concurrency: number, status: number, request: (i: number) => [string, string, unknown?]): Promise<Load> {
  const samples: number[] = [];
  const end = Date.now() + seconds * 1000;
  let i = 0;
  const lane = async (): Promise<void> => {
    while (Date.now() < end) {
      const [method, url, body] = request(i++);
      const t0 = performance.now();
      const res = await http.send(method, url, body);
      samples.push(performance.now() - t0);
      if (res.status !== status) throw new Error(`${method} ${url} answered ${res.status}: ${JSON.stringify(res.body)}`);
    }
  };
  const started = Date.now();
  await Promise.all(Array.from({ length: concurrency }, lane));
  return { perSecond: samples.length / ((Date.now() - started) / 1000), latency: summarize(samples), requests: samples.length };
}

export async function run(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 10);
  const concurrency = Number(args[1] ?? 20);
  const agentCount = Number(args[2] ?? 16);
  const apiWorkers = Number(args[3] ?? 1);
  const warm = Math.max(1, Math.ceil(seconds / 5));

  const nox = await startDeployment(standInSettings(agentCount), undefined, apiWorkers);
  const http = httpClient(tokenFor('operator'), concurrency);
  const dir = mkdtempSync(path.join(tmpdir(), 'nox-bench-api-'));
  let bare: Awaited<ReturnType<typeof startBareExpress>> | undefined;
  try {
    const agents = await startStandIns(http, nox.url, agentCount);
    // the bare handler serves the very document Nox answers
    const listFile = path.join(dir, 'agents.json');
    writeFileSync(listFile, JSON.stringify((await http.send('GET', `${nox.url}/api/agents`)).body));
    bare = await startBareExpress({ BARE_LIST_FILE: listFile });

    const get = (base: string) => (): [string, string] => ['GET', `${base}/api/agents`];
    const post = (base: string) => (i: number): [string, string, unknown] => ['POST', `${base}/api/messages`, { to: agents[i % agents.length], content: `bench ${i}`, priority: 'normal' }];
    const groups = { ...(await deploymentGroups(nox, agents)), 'bare express': [bare.pid] };
    const measure = async (base: string, status: number, request: (i: number) => [string, string, unknown?]): Promise<Load> => {
      await load(http, warm, concurrency, status, request);
      const redisBefore = await redisSnapshot(nox.redis);
      const before = cpuSnapshot();
      const t0 = Date.now();
      const measured = await load(http, seconds, concurrency, status, request);
      const cpu = cpuBetween(before, cpuSnapshot(), groups);
      return { ...measured, cpu, seconds: (Date.now() - t0) / 1000, redis: redisBetween(redisBefore, await redisSnapshot(nox.redis)) };
    };
    // alternated, so a change in the shared machine's load falls on both sides
    const bareGet = await measure(bare.url, 200, get(bare.url));
    const noxGet = await measure(nox.url, 200, get(nox.url));
    const barePost = await measure(bare.url, 202, post(bare.url));
    const noxPost = await measure(nox.url, 202, post(nox.url));

    const out = (s: string): boolean => process.stdout.write(`${s}\n`);
    const rate = (name: string, l: Load): string => `${name.padEnd(34)} ${l.perSecond.toFixed(0).padStart(7)} requests/s`;
    out(`API cost per request: ${seconds} s each after ${warm} s warm-up, ${concurrency} keep-alive requests in flight, ${agentCount} agents; nox api --workers ${apiWorkers} + nox worker processes; Redis ${redisUrl()}; load average ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    out(rate('bare Express GET /api/agents', bareGet));
    out(rate('nox GET /api/agents', noxGet) + `  ratio ${(noxGet.perSecond / bareGet.perSecond).toFixed(2)}× bare Express`);
    out(rate('bare Express POST /api/messages', barePost));
    out(rate('nox POST /api/messages', noxPost) + `  ratio ${(noxPost.perSecond / barePost.perSecond).toFixed(2)}× bare Express`);
    out(line('bare Express GET latency', bareGet.latency));
    out(line('nox GET latency', noxGet.latency));
    out(line('bare Express POST latency', barePost.latency));
    out(line('nox POST latency', noxPost.latency));
    out('CPU during each measured stretch (user + system, per process group):');
    for (const [name, l] of [['bare Express GET', bareGet], ['nox GET', noxGet], ['bare Express POST', barePost], ['nox POST', noxPost]] as const) out(`  ${name.padEnd(18)} ${cpuLine(l.cpu!, l.seconds!)}`);
    out('What Nox asked of Redis during each measured stretch (INFO commandstats; the messages a POST accepted are still being delivered when the stretch ends):');
    for (const [name, l] of [['nox GET', noxGet], ['nox POST', noxPost]] as const) out(`  ${name.padEnd(18)} ${redisLine(l.redis!, l.requests!)}`);
  } finally {
    bare?.stop();
    http.close();
    await nox.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
