/**
 * Many agents on one host: N stand-in agents (default 500) placed through the real
 * `spawn` queue on one worker host running in THIS process, so this process's CPU and
 * memory are Nox's own (the agents are child processes and are not counted). The host is
 * built as `nox worker` builds it (workers/worker-assembly.ts), without MCP services.
 *
 * Prints:
 *   - time until all N are ready (spawn jobs enqueued → every agent `idle` in Redis),
 *     next to a baseline: spawning the same N programs with plain child_process;
 *   - Nox's RSS and heap before / with N agents, and its CPU while they sit idle with the
 *     health monitor sampling every interval;
 *   - the sampling cost: one /proc pass + one pidusage call for N process trees;
 *   - one turn to every agent: time until all N results are in;
 *   - time to stop them all.
 * The stand-in is test/fixtures/tiny-claude.sh (~1 MB each; the node stand-in takes ~45 MB,
 * 500 of which would not fit next to other work). Configs live in the Redis store and
 * registry appends are off: the registry writer is not part of a host's cost.
 *
 * Agents run sandboxed (the default, docs/SANDBOX.md); what the sandbox costs is its own
 * mode: `npm run bench -- agents sandbox [count]` (sandbox-overhead.ts).
 *
 * Usage: npm run bench -- agents [count] [idleSeconds]
 */
import os from 'node:os';
import path from 'node:path';
import { readRuntimes } from '../../shared/agents/runtime-state.js';
import { redisUrl } from '../../test/support/harness.js';
import { agentFleet, until } from '../support/agent-fleet.js';
import { bareSpawn, TINY } from '../support/bare-spawn.js';
import { startTestWorker } from '../../test/support/test-worker.js';


const mb = (bytes: number): string => `${(bytes / 1048576).toFixed(1)} MB`;
const sec = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

export async function run(args: string[]): Promise<void> {
  if (args[0] === 'sandbox') return (await import('./sandbox-overhead.js')).run(args.slice(1));
  const n = Number(args[0] ?? 500);
  const idleSeconds = Number(args[1] ?? 20);
  const samplingMs = 2000;

  const baselineMs = await bareSpawn(n);

  const fleet = await agentFleet(n, 'bench', {
    'agent.command': '/bin/sh',
    'agent.args': [TINY],
    'agent.sampling_interval_ms': samplingMs,
    'worker.host_id': 'bench-host',
  });
  const { ctx, ids } = fleet;

  global.gc?.();
  const memBefore = process.memoryUsage();
  const worker = await startTestWorker(ctx);
  const { agents } = worker;

  const allStatus = async (status: string): Promise<number> => {
    const runtimes = await readRuntimes(ctx.redis, ctx.keys, ids);
    return ids.filter((id) => runtimes.get(id)?.status === status).length;
  };

  // spawn all through the queue
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await fleet.spawnAll();
  await until(async () => (await allStatus('idle')) === n, 300_000);
  const readyMs = performance.now() - t0;
  const spawnCpu = process.cpuUsage(cpu0);

  // idle with the health monitor sampling
  await new Promise((r) => setTimeout(r, 1000));
  const cpu1 = process.cpuUsage();
  const w1 = performance.now();
  await new Promise((r) => setTimeout(r, idleSeconds * 1000));
  const idleCpu = process.cpuUsage(cpu1);
  const idleWall = performance.now() - w1;
  global.gc?.();
  const memWith = process.memoryUsage();

  // sampling cost, measured directly
  const costs: number[] = [];
  for (let i = 0; i < 5; i++) {
    const c = process.cpuUsage();
    const s = performance.now();
    const samples = await agents.monitor!.sampleNow();
    costs.push(performance.now() - s);
    const used = process.cpuUsage(c);
    if (i === 4) {
      process.stdout.write(`  last sample: ${samples.length} agents, ${samples.reduce((k, x) => k + x.pids, 0)} pids, CPU ${((used.user + used.system) / 1000).toFixed(1)} ms\n`);
    }
  }

  // one turn each
  const t2 = performance.now();
  for (const id of ids) agents.manager.get(id)!.deliverTurn('hello');
  await until(async () => {
    const runtimes = await readRuntimes(ctx.redis, ctx.keys, ids);
    return ids.every((id) => (runtimes.get(id)?.turns ?? 0) >= 1 && runtimes.get(id)?.status === 'idle');
  }, 300_000);
  const turnMs = performance.now() - t2;

  // stop all
  const t3 = performance.now();
  await worker.stop();
  const stopMs = performance.now() - t3;

  const cores = os.cpus().length;
  const pct = (u: NodeJS.CpuUsage, wall: number): string => `${(((u.user + u.system) / 1000 / wall) * 100).toFixed(1)}% of one core`;
  const avg = costs.reduce((a, b) => a + b, 0) / costs.length;
  const out = [
    `agents on one host: ${n} stand-ins (${path.basename(TINY)}), ${cores} cores, Redis ${redisUrl()}`,
    `  ready (spawn jobs → all idle):   ${sec(readyMs)}   (${((n / readyMs) * 1000).toFixed(0)} agents/s)`,
    `  baseline (bare spawn of ${n}):     ${sec(baselineMs)}`,
    `  Nox CPU while spawning:           ${pct(spawnCpu, readyMs)}`,
    `  Nox CPU idle, sampling every ${samplingMs / 1000}s: ${pct(idleCpu, idleWall)} over ${idleSeconds}s`,
    `  Nox RSS: ${mb(memBefore.rss)} before → ${mb(memWith.rss)} with ${n} agents (+${mb(memWith.rss - memBefore.rss)}, ${((memWith.rss - memBefore.rss) / n / 1024).toFixed(0)} KB/agent)`,
    `  Nox heap used: ${mb(memBefore.heapUsed)} → ${mb(memWith.heapUsed)}`,
    `  sampling cost (one /proc pass + one pidusage call for ${n} trees): ${avg.toFixed(1)} ms mean, ${Math.max(...costs).toFixed(1)} ms max`,
    `  one turn to each of ${n} agents, all results in: ${sec(turnMs)}`,
    `  stop all (host shutdown): ${sec(stopMs)}`,
  ];
  process.stdout.write(`${out.join('\n')}\n`);

  await fleet.cleanup();
}
