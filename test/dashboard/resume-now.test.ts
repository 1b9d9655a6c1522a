import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { hashPassword } from '../../shared/auth/passwords.js';
import { limitTheLogin, startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { waitUntil } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * "Resume now" in the browser: an agent parked by a usage limit shows on the Needs you page
 * with a "Resume now" button (and on its own page); clicking it runs the held turn once, at
 * once, and the agent leaves the list. Real API, worker host, stand-in agent, Chromium.
 */
describe('dashboard: resume a parked agent now', function () {
  this.timeout(90_000);
  let stack: AgentStack;
  const browser = useBrowser('resume-now');
  before(async () => {
    stack = await startAgentStack({
      overrides: { 'agent.failover': false, 'attention.parked_after_ms': 0, 'auth.users': [{ name: 'olga', role: 'operator', password_hash: await hashPassword('olga password') }] },
    });
  });
  after(async () => {
    await stack?.cleanup();
  });

  it('the Needs you card and the agent page offer "Resume now"; it runs the held turn once and the card leaves', async () => {
    await stack.createAgent({ id: 'napper' });
    await stack.startAgent('napper');
    const limitFile = limitTheLogin(stack.config, 'napper', 600);
    await stack.turn('napper', 'wait for me');
    await stack.waitStatus('napper', 'parked');

    const { page } = await browser.open();
    await logIn(page, stack.api.url, 'olga', 'olga password', '/agents/napper');
    await page.getByTestId('agent-status').getByText('parked').waitFor({ timeout: 15_000 });
    await page.getByTestId('resume-now').waitFor();

    await page.goto(`${stack.api.url}/attention`);
    const card = page.getByTestId('attention-agent').filter({ hasText: 'napper is parked' });
    await card.waitFor({ timeout: 15_000 });
    await screenshot(page, 'resume-now');
    rmSync(limitFile); // the limit was lifted early
    await card.getByRole('button', { name: 'Resume napper now' }).click();

    await card.waitFor({ state: 'detached', timeout: 20_000 });
    await stack.waitStatus('napper', 'idle');
    let turns: string[] = [];
    await waitUntil(async () => {
      const entries = (await stack.json<{ entries: { kind: string; text?: string }[] }>('GET', '/api/agents/napper/conversation?limit=100', 200)).entries;
      turns = entries.filter((e) => e.kind === 'turn').map((e) => e.text!.split('\n').at(-1)!);
      return entries.some((e) => e.kind === 'result' && e.text === 'echo: wait for me');
    }, 15_000);
    expect(turns).to.deep.equal(['wait for me', 'wait for me']);
    const unparked = (await stack.events('agent.unparked')).filter((e) => e.agentId === 'napper');
    expect(unparked.map((e) => (e.data as { why: string; by: string }).why)).to.deep.equal(['resumed-now']);
  });
});
