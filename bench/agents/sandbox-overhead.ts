/**
 * What the agents' sandbox costs (docs/SANDBOX.md, "Cost"): the same N stand-in agents
 * (default 50) started through the real `spawn` queue on one worker host in this process,
 * first with `agent.sandbox = "off"`, then sandboxed (bubblewrap, with its endpoints: the
 * API forward and the HTTPS proxy, i.e. two socats per agent), in the same run. Per mode:
 *   - start: spawn jobs enqueued → every agent `idle` in Redis;
 *   - memory: RSS summed over the agents' process trees (the health monitor's own sample,
 *     what max_memory_mb is judged on), PSS (shared pages split: what the machine really
 *     spends), and the processes per tree;
 *   - one turn to every agent: time until all N results are in;
 * and the overhead ratio sandboxed / unsandboxed. The host's own RSS is printed too (the
 * endpoints are net servers in the host process).
 *
 * The stand-in is test/fixtures/tiny-claude.sh (~1 MB), so the sandbox's own cost is not
 * hidden under a 45 MB program; `--node` uses fake-claude.mjs instead (closer to the real
 * CLI's start-up).
 *
 * Usage: npm run bench -- agents sandbox [count] [--node]
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readRuntimes } from '../../shared/agents/runtime-state.js';
import { FIXTURES_DIR } from '../../test/support/harness.js';
import { agentFleet, until } from '../support/agent-fleet.js';
import { startTestWorker } from '../../test/support/test-worker.js';
import { processGroups } from '../../workers/agents/proc-info.js';

interface ModeResult {
  mode: 'off' | 'bubblewrap';
  startMs: number;
  treeRssMb: number;
  /** proportional set size: shared pages (libc, socat's libraries) split between their users */
  treePssMb: number;
  pidsPerAgent: number;
  turnMs: number;
  hostRssMb: number;
}

function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function runMode(mode: ModeResult['mode'], n: number, program: { command: string; args: string[] }): Promise<ModeResult> {
  const fleet = await agentFleet(n, 'sbx', {
    'agent.command': program.command,
    'agent.args': program.args,
    'agent.sandbox': mode,
    'agent.sampling_interval_ms': 600_000,
    'worker.host_id': `bench-sandbox-${mode}`,
  });
  const { ctx, ids } = fleet;
  const worker = await startTestWorker(ctx);
  // the host's sandbox check runs once at attach: let it finish, it is not an agent's cost
  await worker.agents.sandboxReport;
  const count = async (check: (id: string, r: Awaited<ReturnType<typeof readRuntimes>>) => boolean): Promise<number> => {
    const runtimes = await readRuntimes(ctx.redis, ctx.keys, ids);
    return ids.filter((id) => check(id, runtimes)).length;
  };

  const t0 = performance.now();
  await fleet.spawnAll();
  await until(async () => (await count((id, r) => r.get(id)?.status === 'idle')) === n, 300_000, 50);
  const startMs = performance.now() - t0;

  await new Promise((r) => setTimeout(r, 1000)); // let the trees settle (socats listening, shells exec'd)
  const samples = await worker.agents.monitor!.sampleNow();
  const treeRssMb = samples.reduce((k, s) => k + s.memoryMb, 0);
  const pidsPerAgent = samples.reduce((k, s) => k + s.pids, 0) / Math.max(1, samples.length);
  const hostRssMb = process.memoryUsage().rss / 1048576;
  const leaders = new Set(ids.map((id) => worker.agents.manager.get(id)?.pid ?? 0).filter((p) => p > 0));
  const treePssMb = [...processGroups(leaders).values()].flat().reduce((k, pid) => k + pssKb(pid), 0) / 1024;

  const t1 = performance.now();
  for (const id of ids) worker.agents.manager.get(id)!.deliverTurn('hello');
  await until(async () => (await count((id, r) => (r.get(id)?.turns ?? 0) >= 1 && r.get(id)?.status === 'idle')) === n, 300_000, 50);
  const turnMs = performance.now() - t1;

  await worker.stop();
  await fleet.cleanup();
  return { mode, startMs, treeRssMb, treePssMb, pidsPerAgent, turnMs, hostRssMb };
}

export async function run(args: string[]): Promise<void> {
  const n = Number(args.find((a) => /^\d+$/.test(a)) ?? 50);
  const node = args.includes('--node');
  const program = node ? { command: process.execPath, args: [path.join(FIXTURES_DIR, 'fake-claude.mjs')] } : { command: '/bin/sh', args: [path.join(FIXTURES_DIR, 'tiny-claude.sh')] };
  const off = await runMode('off', n, program);
  const on = await runMode('bubblewrap', n, program);
  const ratio = (a: number, b: number): string => `×${(a / b).toFixed(2)}`;
  const row = (r: ModeResult): string =>
    `  ${r.mode.padEnd(10)} start ${(r.startMs / 1000).toFixed(2).padStart(6)} s (${(r.startMs / n).toFixed(1)} ms/agent)   trees RSS ${r.treeRssMb.toFixed(0).padStart(4)} MB (${(r.treeRssMb / n).toFixed(1)}/agent) PSS ${r.treePssMb.toFixed(0).padStart(4)} MB (${(r.treePssMb / n).toFixed(1)}/agent), ${r.pidsPerAgent.toFixed(1)} processes   one turn each ${(r.turnMs / 1000).toFixed(2)} s   host RSS ${r.hostRssMb.toFixed(0)} MB`;
  process.stdout.write(
    [
      `agents' sandbox overhead: ${n} stand-ins (${node ? 'fake-claude.mjs on node' : 'tiny-claude.sh'}), one host in this process, ${os.cpus().length} cores`,
      row(off),
      row(on),
      `  sandboxed / unsandboxed: start ${ratio(on.startMs, off.startMs)} (+${((on.startMs - off.startMs) / n).toFixed(1)} ms/agent), RSS ${ratio(on.treeRssMb, off.treeRssMb)} (+${((on.treeRssMb - off.treeRssMb) / n).toFixed(1)} MB/agent), PSS ${ratio(on.treePssMb, off.treePssMb)} (+${((on.treePssMb - off.treePssMb) / n).toFixed(1)} MB/agent), turns ${ratio(on.turnMs, off.turnMs)}`,
    ].join('\n') + '\n',
  );
}
