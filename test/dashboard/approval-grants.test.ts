import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hashPassword } from '../../shared/auth/passwords.js';
import { startApprovalStack, type ApprovalStack } from '../approvals/approval-stack.js';
import { tokenFor } from '../support/harness.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * The approvals inbox lays out what a spawn and an MCP install grant, so the person deciding
 * reads it rather than a JSON blob: the child's model, permission mode, tools, MCP server
 * commands, folders and budget; the install's command, user and mounts. "Remember" on a
 * spawn says it covers exactly this config.
 */
describe('dashboard: approvals show what a spawn and an install grant', function () {
  this.timeout(90_000);
  let stack: ApprovalStack;
  let data: string;
  const browser = useBrowser('approval-grants');

  before(async () => {
    data = mkdtempSync(path.join(tmpdir(), 'nox-grant-'));
    mkdirSync(path.join(data, 'reports'));
    stack = await startApprovalStack({
      overrides: { 'auth.users': [{ name: 'dora', role: 'operator', password_hash: await hashPassword('dora password') }], 'mcp.mount_allow': [data] },
    });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'grant-parent' } });
  });
  after(async () => {
    if (stack) await closeApprovals(stack.apiCtx);
    await stack?.cleanup();
    rmSync(data, { recursive: true, force: true });
  });

  it('lays out a spawn’s child config and an install’s command, user and mounts', async () => {
    const spawn = await stack.json<{ approval_id: string }>('POST', '/api/agents', 202, {
      token: tokenFor('agent', 'grant-parent', 'grant-parent'),
      body: { id: 'grant-kid', model: 'claude-kid', permission_mode: 'acceptEdits', allowed_tools: ['Read'], workdir: '/srv/kid', max_budget_usd: 2, mcp_servers: { fs: { command: 'npx', args: ['-y', 'fs-server', '/srv/kid'] } } },
    });
    const install = await stack.json<{ approval_id: string }>('POST', '/api/mcp/services', 202, {
      role: 'operator',
      body: { name: 'reports', entry: { image: 'localhost/reports:1', agents: ['grant-parent'], user: '1000:1000', command: ['serve', '--stdio'], mounts: [{ source: path.join(data, 'reports'), target: '/reports' }] }, source: { pull: true } },
    });
    await stack.waitStatus(spawn.approval_id, 'pending');
    await stack.waitStatus(install.approval_id, 'pending');

    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'dora', 'dora password', '/approvals');
    const spawnCard = page.getByTestId('approval').filter({ hasText: 'spawn_agent' });
    const grant = spawnCard.getByTestId('grant');
    await grant.waitFor();
    const spawnText = await grant.textContent();
    for (const shown of ['claude-kid', 'acceptEdits', 'Read', 'npx -y fs-server /srv/kid', '/srv/kid', '$2']) expect(spawnText).to.include(shown);

    const installText = await page.getByTestId('approval').filter({ hasText: 'install_mcp' }).getByTestId('grant').textContent();
    for (const shown of ['serve --stdio', '1000:1000', `${path.join(data, 'reports')} → /reports (read-only)`]) expect(installText).to.include(shown);
    await screenshot(page, 'approval-grants');

    await spawnCard.getByRole('button', { name: 'Approve' }).click();
    await page.getByText('exactly this config').waitFor();
    expect(tab.errors).to.deep.equal([]);
  });
});
