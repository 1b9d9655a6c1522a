import { expect } from 'chai';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { fleetIds, seedFleet } from '../support/fleet-seed.js';
import { startStack, waitUntil, type Stack } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * The overview at fleet size (issue 21): with 2,000 agents, a burst of events — status
 * changes, metrics ticks, output lines, as a busy fleet sends them — makes the page refetch
 * the agents' counts at most once per 2 s of burst (OverviewPage.tsx, FIGURES_THROTTLE_MS),
 * never the whole agent list. The requests are counted in Chromium.
 */
const THROTTLE_MS = 2000;

describe('dashboard: the overview through a burst of events at 2,000 agents', function () {
  this.timeout(180_000);
  let stack: Stack;
  let writer: RegistryWriter;
  const browser = useBrowser('overview-burst');

  before(async () => {
    stack = await startStack({ withHost: false, overrides: { 'auth.users': [{ name: 'otto', role: 'operator', password_hash: await hashPassword('otto password') }] } });
    writer = await startRegistryWriter(stack.workerCtx, { watchTasks: false });
    await seedFleet(stack.apiCtx, 'ob', 2000);
  });
  after(async () => {
    await writer?.close();
    await stack?.cleanup();
  });

  it('counts the agents from the list’s counts and refetches them a bounded number of times for 600 events', async () => {
    const tab = await browser.open();
    const { page } = tab;
    const requests: { at: number; url: string }[] = [];
    page.on('request', (r) => {
      if (new URL(r.url()).pathname.startsWith('/api/')) requests.push({ at: Date.now(), url: r.url() });
    });
    await logIn(page, stack.api.url, 'otto', 'otto password', '/');
    await page.getByTestId('agents-total').getByText('2,000').waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('agents-count-never-started').textContent()).to.contain('2000');
    const eventsShown = async (): Promise<number> => Number(((await page.getByText(/\d+ in 5 min/).first().textContent()) ?? '0').match(/(\d+) in 5 min/)?.[1] ?? 0);
    const before = await eventsShown();

    // 600 events over about 3 s, as hosts publish them: status changes, metrics ticks, output lines
    const ids = fleetIds('ob', 2000);
    const start = Date.now();
    for (let batch = 0; batch < 30; batch++) {
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => {
          const n = batch * 20 + i;
          const agentId = ids[n % ids.length]!;
          const kind = n % 3;
          if (kind === 0) return stack.apiCtx.events.publish({ type: 'agent.status', agentId, data: { status: 'working', previous: 'idle', reason: null } });
          if (kind === 1) return stack.apiCtx.events.publish({ type: 'agent.metrics', hostId: 'h-burst', data: { at: new Date().toISOString(), agents: [{ agentId, pids: 1, cpuPercent: 3, memoryMb: 40 }] } });
          return stack.apiCtx.events.publish({ type: 'agent.output', agentId, data: { kind: 'assistant', text: `line ${n}` } });
        }),
      );
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitUntil(async () => (await eventsShown()) >= before + 600, 30_000);
    const arrived = Date.now();
    // the trailing refetch of the last throttle window
    await new Promise((r) => setTimeout(r, THROTTLE_MS + 1000));

    const during = requests.filter((r) => r.at >= start);
    const agentLists = during.filter((r) => new URL(r.url).pathname === '/api/agents');
    // a refetch per started throttle window at most, and at least one (the page stays live)
    const windows = Math.ceil((arrived - start) / THROTTLE_MS) + 1;
    expect(agentLists.length, JSON.stringify(agentLists)).to.be.within(1, windows);
    expect(agentLists.every((r) => new URL(r.url).searchParams.get('limit') === '1' && !r.url.includes('view=full')), 'the counts only, never the whole list').to.equal(true);
    // the other figures the status events move are throttled alike (plus their 5 s polls)
    for (const path of ['/api/system/health', '/api/system/metrics']) {
      const n = during.filter((r) => new URL(r.url).pathname === path).length;
      expect(n, path).to.be.at.most(windows + Math.ceil((Date.now() - start) / 5000));
    }
    await screenshot(page, 'overview-burst');
    expect(tab.errors).to.deep.equal([]);
  });
});
