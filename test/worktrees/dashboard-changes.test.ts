import { expect } from 'chai';
import { rmSync } from 'node:fs';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { logIn, screenshot, useBrowser } from '../dashboard/support/browser.js';
import { GIT_AGENT, personGit, personRepo, shTurns } from './worktree-support.js';

/** The Changes panel of a project agent's page in real Chromium: its commit and diff, then Merge through the merge approval. */
describe('dashboard: an agent’s changes and their merge', function () {
  this.timeout(120_000);
  let stack: AgentStack;
  let repo: string;
  const browser = useBrowser('agent-changes');

  before(async () => {
    const users = [{ name: 'dora', role: 'operator', password_hash: await hashPassword('dora password') }];
    stack = await startAgentStack({ overrides: { 'auth.users': users, 'agent.args': [GIT_AGENT], 'approvals.rules': [{ action: 'approve', types: ['merge'], max_risk: 'medium' }] } });
    repo = personRepo();
    await stack.json('POST', '/api/projects', 201, { body: { name: 'dash', repo } });
    await stack.createAgent({ id: 'dash-w', project: 'dash' });
    await stack.startAgent('dash-w');
    expect(await shTurns(stack)('dash-w', 'echo from-the-agent > added.txt && git add added.txt && git commit -qm "agent adds a file" && echo ok')).to.equal('exit 0: ok');
  });
  after(async () => {
    await stack?.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  it('shows the commit, the files and the diff; Merge merges it into the base', async () => {
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'dora', 'dora password', '/agents/dash-w');
    const summary = page.getByTestId('changes-summary');
    await summary.waitFor({ timeout: 20_000 });
    expect(await summary.textContent()).to.contain('1 ahead, 0 behind').and.contain('merges cleanly');
    expect(await page.getByTestId('changes-commits').textContent()).to.contain('agent adds a file');
    expect(await page.getByTestId('changes-files').textContent()).to.contain('added.txt');
    expect(await page.getByTestId('diff').textContent()).to.contain('+from-the-agent');
    await screenshot(page, 'agent-changes');
    await page.getByTestId('merge-agent').click();
    for (let i = 0; i < 100 && !((await summary.textContent()) ?? '').includes('0 ahead'); i++) await new Promise((r) => setTimeout(r, 200));
    expect(await summary.textContent()).to.contain('0 ahead');
    expect(personGit(repo, 'show', 'main:added.txt')).to.equal('from-the-agent');
    expect(tab.errors).to.deep.equal([]);
  });
});
