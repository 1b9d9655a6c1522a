/**
 * Fleet scale (issue 21): creating and listing agents through the API at fleet size, with
 * Nox as deployed (`nox api` + `nox worker --registry-writer` processes; agent configs in
 * agents.toml, every create a registry change).
 *
 * Prints:
 *   - creates/s of n agents (default 2000) sent by 25 concurrent clients, overall and over
 *     the last tenth (the rate at fleet size), with commits made and changes per commit;
 *   - single creates, one at a time, at n agents: p50/p99;
 *   - `GET /api/agents` at n agents: a page of 100, with a filter, the whole list compact and
 *     with configs, a 304 revalidation: p50/p99 and sizes (fleet-lists.ts);
 *   - the dashboard: navigation to a usable agents page in Chromium (`dashboardRuns`, needs
 *     `npm run build`);
 *   - start-all to all-idle of `starts` stand-in agents through the bulk endpoint, next to
 *     spawning the same programs bare (0 = skipped);
 * next to baselines measured in the same run: raw `git add` + `git commit` of an
 * agents.toml of the same size, one commit per create (git-baseline.ts), and a bare Express
 * handler answering the same list document.
 *
 * Usage: npm run bench -- fleet [n=2000] [singles=100] [lists=30] [starts=0] [dashboardRuns=5]
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { tokenFor, waitUntil } from '../../test/support/harness.js';
import { startBareExpress } from '../support/bare-express-process.js';
import { httpClient, type HttpClient } from '../support/http-client.js';
import { startDeployment } from '../support/nox-deployment.js';
import { line, summarize, timeEach } from '../support/stats.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { TINY } from '../support/bare-spawn.js';
import { fleetAgentInput } from './fleet-agents.js';
import { dashboardFigures, listFigures, startAllFigures } from './fleet-lists.js';
import { rawGitCommits } from './git-baseline.js';

const CLIENTS = 25;
const BENCH_USER = { name: 'bench', password: 'bench password for the dashboard' };

async function create(http: HttpClient, url: string, i: number): Promise<void> {
  const res = await http.send('POST', `${url}/api/agents`, fleetAgentInput(i));
  if (res.status !== 201) throw new Error(`creating agent ${i} answered ${res.status}: ${JSON.stringify(res.body)}`);
}

/** n creates from CLIENTS concurrent clients; when each finished (ms since start) */
async function createAll(http: HttpClient, url: string, n: number): Promise<{ ms: number; doneAt: number[]; latencies: number[] }> {
  const doneAt: number[] = [];
  const latencies: number[] = [];
  let next = 0;
  const start = performance.now();
  const client = async (): Promise<void> => {
    while (next < n) {
      const i = next++;
      const t0 = performance.now();
      await create(http, url, i);
      const t1 = performance.now();
      latencies.push(t1 - t0);
      doneAt.push(t1 - start);
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, client));
  return { ms: performance.now() - start, doneAt: doneAt.sort((a, b) => a - b), latencies };
}

/** commits on the registry's branch; waits for the writer's first commit (it starts after the host) */
async function commitCount(dir: string): Promise<number> {
  await waitUntil(() => spawnSync('git', ['rev-parse', '--verify', '-q', 'HEAD'], { cwd: dir }).status === 0, 30_000, 100);
  return Number(execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: dir, encoding: 'utf8' }));
}

const perSecond = (count: number, ms: number): string => `${((count * 1000) / ms).toFixed(1)}/s`;

export async function run(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 2000);
  const singles = Number(args[1] ?? 100);
  const lists = Number(args[2] ?? 30);
  const starts = Number(args[3] ?? 0);
  const dashboardRuns = Number(args[4] ?? 5);
  const out = (s: string): boolean => process.stdout.write(`${s}\n`);

  // Baseline first, on a quiet machine: one raw commit per create at fleet size.
  const git = rawGitCommits(n, Math.max(20, Math.min(100, singles)));

  const nox = await startDeployment({
    'rate_limit.max': 10_000_000,
    'events.stream_max_len': 1_000_000,
    'agent.registry_appends': false,
    // what bulk start runs: the small stand-in (bench/agents' program)
    'agent.command': '/bin/sh',
    'agent.args': [TINY],
    // the stand-in lives under test/fixtures: the sandbox shows it read-only
    'agent.sandbox_read': [path.dirname(TINY)],
    // a fleet starts at once: the spawn guards' hourly rate and the host's capacity are set for it
    'agent.max_spawn_rate': 1_000_000,
    'worker.capacity': 10_000,
    'auth.users': [{ name: BENCH_USER.name, role: 'operator' }],
  }, { auth: { password_hashes: { [BENCH_USER.name]: await hashPassword(BENCH_USER.password) } } });
  const token = tokenFor('operator');
  const http = httpClient(token, CLIENTS + 5);
  const scratch = mkdtempSync(path.join(tmpdir(), 'nox-bench-fleet-'));
  try {
    const commitsBefore = await commitCount(nox.registryDir);
    const bulk = await createAll(http, nox.url, n);
    const commits = (await commitCount(nox.registryDir)) - commitsBefore;
    const tenth = Math.max(1, Math.floor(n / 10));
    const lastTenthMs = bulk.doneAt[n - 1]! - bulk.doneAt[n - 1 - tenth]!;

    const single = await timeEach(singles, (k) => create(http, nox.url, n + k));

    const listLines: string[] = [];
    const { fullDoc } = await listFigures(token, nox.url, lists, (l) => {
      listLines.push(l);
      process.stderr.write(`${l}\n`);
    });
    const listed = (fullDoc as { agents: unknown[] }).agents.length;
    const listOnce = async (url: string): Promise<void> => {
      const res = await http.send('GET', `${url}/api/agents?limit=5000&view=full`);
      if (res.status !== 200) throw new Error(`list answered ${res.status}`);
    };
    const list = await timeEach(lists, () => listOnce(nox.url));

    const file = path.join(scratch, 'list.json');
    writeFileSync(file, JSON.stringify(fullDoc));
    const bare = await startBareExpress({ BARE_LIST_FILE: file });
    let bareList: number[];
    try {
      await timeEach(3, () => listOnce(bare.url));
      bareList = await timeEach(lists, () => listOnce(bare.url));
    } finally {
      bare.stop();
    }
    const dashLines: string[] = [];
    if (dashboardRuns > 0) await dashboardFigures(nox.url, BENCH_USER, dashboardRuns, (l) => dashLines.push(l) && process.stderr.write(`${l}\n`));
    const startLines: string[] = [];
    if (starts > 0) await startAllFigures(http, nox, starts, (l) => startLines.push(l));

    const rawGit = summarize(git.samples);
    const one = summarize(single);
    const lst = summarize(list);
    const bareSum = summarize(bareList);
    out(`fleet: ${n} agents created through POST /api/agents by ${CLIENTS} clients; nox api + nox worker --registry-writer processes`);
    out(`${line(`raw git add+commit, ${(git.fileBytes / 1024).toFixed(0)} KB agents.toml`, rawGit)}  ${git.perSecond.toFixed(1)}/s (baseline)`);
    out(`${'nox creates, 25 clients'.padEnd(34)} ${n} in ${(bulk.ms / 1000).toFixed(1)} s  ${perSecond(n, bulk.ms)}; last ${tenth} ${perSecond(tenth, lastTenthMs)}; ${commits} commits (${(n / Math.max(1, commits)).toFixed(1)} creates/commit)`);
    out(line('  latency of each (25 in flight)', summarize(bulk.latencies)));
    out(line(`nox single create at ${n}`, one));
    for (const l of listLines) out(l);
    out(line(`nox GET whole list, view=full (${listed}) again`, lst));
    out(line('bare Express, same list document', bareSum));
    for (const l of [...dashLines, ...startLines]) out(l);
    out(
      `ratio: creates/s ${((n * 1000) / bulk.ms / git.perSecond).toFixed(2)}x raw git commits/s (last tenth ${((tenth * 1000) / lastTenthMs / git.perSecond).toFixed(2)}x); ` +
        `single create p50 ${(one.p50 / rawGit.p50).toFixed(2)}x raw commit; list p50 ${(lst.p50 / bareSum.p50).toFixed(2)}x bare Express`,
    );
  } finally {
    http.close();
    rmSync(scratch, { recursive: true, force: true });
    await nox.stop();
  }
}
