/**
 * The list, bulk-start and dashboard part of the fleet bench (issue 21), on a deployment that
 * already holds the fleet:
 *   - GET /api/agents: a page of 100, the whole list compact, the whole list with configs
 *     (`view=full`, what the list was before paging), and a revalidation (If-None-Match → 304);
 *   - start-all to all-idle: `POST /api/agents/bulk {action: start}` of `starts` stand-in
 *     agents until every one is idle, next to spawning the same programs bare;
 *   - the dashboard: Chromium (playwright-core) from navigation to /agents until the first
 *     page of rows and the counts show.
 */
import { chromium } from 'playwright-core';
import { until } from '../support/agent-fleet.js';
import { bareSpawn } from '../support/bare-spawn.js';
import { childrenOf, cpuBetween, cpuLine, cpuSnapshot, deploymentGroups } from '../support/cpu-split.js';
import type { HttpClient } from '../support/http-client.js';
import type { NoxDeployment } from '../support/nox-deployment.js';
import { line, summarize, timeEach } from '../support/stats.js';

type Out = (s: string) => void;

export async function listFigures(token: string, url: string, lists: number, out: Out): Promise<{ fullDoc: unknown }> {
  const get = async (path: string, headers?: Record<string, string>): Promise<{ status: number; body: unknown; etag?: string }> => {
    const res = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}`, ...headers } });
    const text = await res.text();
    if (res.status !== 200 && res.status !== 304) throw new Error(`${path} answered ${res.status}: ${text.slice(0, 300)}`);
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : undefined, etag: res.headers.get('etag') ?? undefined };
  };
  const shapes: [string, string][] = [
    ['page of 100 (compact)', '/api/agents?limit=100'],
    ['page of 100, status filter', '/api/agents?limit=100&status=never-started&sort=created'],
    ['whole list, compact', '/api/agents?limit=5000'],
    ['whole list, view=full', '/api/agents?limit=5000&view=full'],
  ];
  let fullDoc: unknown;
  for (const [name, path] of shapes) {
    const first = await get(path);
    const bytes = Buffer.byteLength(JSON.stringify(first.body));
    if (path.includes('view=full')) fullDoc = first.body;
    await timeEach(3, () => get(path));
    const samples = await timeEach(lists, () => get(path));
    out(`${line(`nox GET ${name}`, summarize(samples))}  ${(bytes / 1024).toFixed(0)} KB`);
  }
  const path = '/api/agents?limit=100';
  const { etag } = await get(path);
  const revalidate = await timeEach(lists, async () => {
    const r = await get(path, { 'if-none-match': etag as string });
    if (r.status !== 304) throw new Error(`revalidation answered ${r.status} (the list changed under the bench?)`);
  });
  out(line('nox GET page, If-None-Match → 304', summarize(revalidate)));
  return { fullDoc };
}

export async function startAllFigures(http: HttpClient, nox: NoxDeployment, starts: number, out: Out): Promise<void> {
  const url = nox.url;
  const created = await http.send<{ failed: number }>('POST', `${url}/api/agents`, { id: 'runner' });
  if (created.status !== 201) throw new Error(`template: ${created.status}`);
  // a bulk create makes at most 1000 agents
  for (let made = 0; made < starts; made += 1000) {
    const bulk = await http.send<{ failed: number }>('POST', `${url}/api/agents/bulk`, { action: 'create', template: 'runner', count: Math.min(1000, starts - made) });
    if (bulk.status !== 200 || bulk.body.failed > 0) throw new Error(`bulk create: ${bulk.status} ${JSON.stringify(bulk.body).slice(0, 300)}`);
  }
  const bareMs = await bareSpawn(starts);
  const cpu0 = cpuSnapshot();
  const t0 = performance.now();
  const started = await http.send<{ failed: number; results: unknown[] }>('POST', `${url}/api/agents/bulk`, { action: 'start', selector: { q: 'runner-' } });
  if (started.status !== 200 || started.body.failed > 0) throw new Error(`bulk start: ${started.status} ${JSON.stringify(started.body).slice(0, 300)}`);
  const acceptedMs = performance.now() - t0;
  // settled: every agent idle, or failed (a start no restart mends, or the breaker): the failed are counted and said, not waited for
  let counts: Record<string, number> = {};
  let allIdleMs: number | undefined;
  await until(async () => {
    const r = await http.send<{ total: number; counts: Record<string, number> }>('GET', `${url}/api/agents?q=runner-&limit=1`);
    counts = r.body.counts;
    if ((counts.idle ?? 0) === starts) allIdleMs = performance.now() - t0;
    return (counts.idle ?? 0) + (counts.failed ?? 0) === starts;
  }, 900_000);
  const settledMs = performance.now() - t0;
  const cpu1 = cpuSnapshot();
  // the agents started here are the worker host's children (their sandboxes)
  const groups = await deploymentGroups(nox, []);
  const cpu = cpuBetween(cpu0, cpu1, { ...groups, 'stand-in agents': childrenOf(cpu1, groups['nox worker']![0]!) });
  out(`${'bare spawn of the same program'.padEnd(34)} ${starts} in ${(bareMs / 1000).toFixed(2)} s (baseline)`);
  if (allIdleMs !== undefined) {
    out(`${'nox bulk start → all idle'.padEnd(34)} ${starts} in ${(allIdleMs / 1000).toFixed(2)} s (the bulk answer after ${(acceptedMs / 1000).toFixed(2)} s: ${started.body.results.length} spawn jobs); ${(allIdleMs / bareMs).toFixed(2)}x bare spawn`);
  } else {
    out(`${'nox bulk start → all settled'.padEnd(34)} ${starts} in ${(settledMs / 1000).toFixed(2)} s (the bulk answer after ${(acceptedMs / 1000).toFixed(2)} s): ${counts.idle ?? 0} idle, ${counts.failed ?? 0} failed; ${(settledMs / bareMs).toFixed(2)}x bare spawn`);
    const failed = await http.send<{ agents: { id: string; reason?: string }[] }>('GET', `${url}/api/agents?q=runner-&status=failed&limit=20`);
    for (const a of failed.body.agents) out(`  failed: ${a.id}: ${a.reason ?? '(no reason)'}`);
  }
  // /proc counts each process's CPU in 10 ms ticks: hundreds of small programs that each start in less read as ~0
  out(`  CPU until settled: ${cpuLine(cpu, settledMs / 1000)} (the agents' figure undercounts: 10 ms ticks per process)`);
  const stopped = await http.send<{ failed: number }>('POST', `${url}/api/agents/bulk`, { action: 'stop', selector: { q: 'runner-' } });
  if (stopped.body.failed > 0) out(`  (stopping them: ${stopped.body.failed} failed)`);
}

export async function dashboardFigures(url: string, user: { name: string; password: string }, runs: number, out: Out): Promise<void> {
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu'] });
  try {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    page.setDefaultTimeout(120_000);
    await page.goto(`${url}/`);
    await page.getByLabel('User name').fill(user.name);
    await page.locator('#password').fill(user.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByTestId('user').waitFor();
    const samples: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      await page.goto(`${url}/`);
      await page.getByTestId('user').waitFor();
      const t0 = performance.now();
      await page.goto(`${url}/agents`);
      // usable: the first page of rows, the counts and the pager are on screen
      await page.getByTestId('page-range').getByText(/^1–100 of \d+$/).waitFor();
      await page.locator('[data-testid=agents-table] tr.agent-row').nth(99).waitFor();
      if (i > 0) samples.push(performance.now() - t0);
    }
    out(line('dashboard: navigation → usable /agents', summarize(samples)));
  } finally {
    await browser.close();
  }
}
