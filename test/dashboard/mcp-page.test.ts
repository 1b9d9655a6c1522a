import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { hashPassword } from '../../shared/auth/passwords.js';
import { hasImage, removeImage } from '../../shared/mcp/images.js';
import type { InstallRecord } from '../../shared/mcp/install-requests.js';
import { runSpecSchema } from '../../shared/mcp/run-spec.js';
import { buildContainerSpec } from '../../workers/mcp/engine/container-spec.js';
import { createContainer, listManagedContainers, startContainer } from '../../workers/mcp/engine/containers.js';
import { processIdentity } from '../../workers/mcp/engine/process-identity.js';
import { NODE_MOUNT } from '../fixtures/mcp/build-image.js';
import { startStack, waitUntil, type Stack } from '../support/harness.js';
import { testEngine } from '../mcp/support/engine.js';
import { savedTestImage } from '../mcp/support/image-archive.js';
import { startMcpStack, type McpStack } from '../mcp/support/mcp-stack.js';
import { logIn, screenshot, useBrowser } from './support/browser.js';

/**
 * The MCP services page in Chromium against a real API, worker host, registry writer,
 * approvals workflow and Podman (issue 20, item 5): the catalog, an install that waits for
 * approval and appears live once approved, enable and remove, an upload with its progress,
 * and — on an API with no engine — the words for it instead of an empty list.
 */
describe('dashboard: the MCP services page', function () {
  this.timeout(240_000);
  let stack: McpStack;
  let dir: string;
  const browser = useBrowser('mcp-page');
  const ref = `localhost/nox-test-mcp-page:${randomBytes(3).toString('hex')}`;

  before(async () => {
    await testEngine();
    dir = mkdtempSync(path.join(tmpdir(), 'nox-mcp-page-'));
    // stats every second, and no reaping while a test's container runs (it has no endpoint session)
    stack = await startMcpStack({ overrides: { 'mcp.stats_interval_ms': 1000, 'mcp.reap_interval_ms': 600_000, 'auth.users': [{ name: 'olga', role: 'operator', password_hash: await hashPassword('olga password') }] } });
  });
  after(async () => {
    await stack?.cleanup();
    rmSync(dir, { recursive: true, force: true });
    const { engine } = await testEngine();
    await removeImage(engine, ref).catch(() => undefined);
  });

  it('install goes to an approval, shows as waiting, and appears in the catalog live once approved; enable and remove from the page', async () => {
    const { image } = await testEngine();
    await stack.json('POST', '/api/agents', 201, { body: { id: 'page-a1' } });
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/mcp');
    await page.getByRole('heading', { name: 'MCP services' }).waitFor();
    await page.getByText('No MCP service is installed').waitFor();
    // the registry search answers with results, "no match", or why it cannot be reached — never nothing
    await page.getByTestId('mcp-discovery').getByRole('heading', { name: 'In the registry' }).waitFor();
    const registry = page.getByTestId('mcp-registry-unreachable');
    if (await registry.isVisible()) expect(await registry.textContent()).to.match(/^Registry unreachable\. .+/);
    else expect(await page.getByTestId('mcp-discovery').textContent()).to.match(/The registry has no match|Install…/);

    await page.getByTestId('mcp-install').click();
    await page.locator('#mcp-name').fill('echo-page');
    await page.locator('#mcp-image').fill(image);
    await page.locator('#mcp-agents').fill('page-a1');
    await page.locator('#mcp-description').fill('echo tools from the page');
    await page.getByRole('button', { name: 'Ask for approval' }).click();
    const asked = (await page.getByTestId('mcp-install-asked').textContent()) ?? '';
    const approvalId = /ap-[0-9a-f]{32}/.exec(asked)?.[0] as string;
    expect(approvalId, asked).to.be.a('string');
    await page.keyboard.press('Escape');

    const pending = page.getByTestId('mcp-pending-echo-page');
    await pending.waitFor();
    expect(await pending.textContent()).to.contain('waiting for approval').and.contain(approvalId);
    expect((await stack.json<InstallRecord>('GET', `/api/mcp/installs/${approvalId}`, 200)).status).to.equal('pending');
    await screenshot(page, 'mcp-install-pending');

    // a person approves elsewhere: the page follows through the events, no reload
    await waitUntil(async () => (await stack.json<{ expires_at?: number }>('GET', `/api/approvals/${approvalId}`, 200)).expires_at !== undefined, 10_000);
    await stack.json('POST', `/api/approvals/${approvalId}/approve`, 200, { role: 'admin', body: { reason: 'checked' } });
    const row = page.getByTestId('mcp-service-echo-page');
    await row.waitFor({ timeout: 60_000 });
    await pending.waitFor({ state: 'detached' });
    expect(await page.getByTestId('mcp-catalog').textContent()).to.contain(image).and.contain('installed').and.contain('may use: page-a1');

    await page.locator('#mcp-enable-echo-page').click();
    await page.getByRole('option', { name: 'page-a1' }).click();
    await page.getByRole('button', { name: 'Enable echo-page' }).click();
    await page.getByTestId('mcp-enabled-echo-page-page-a1').waitFor();
    expect(stack.services()['echo-page']?.enabled).to.deep.equal({ 'page-a1': true });

    // a running container of the service for page-a1, as a session makes it: the host's stats reach the page live
    const { engine } = await testEngine();
    const spec = runSpecSchema.parse({
      agentId: 'page-a1', service: 'echo-page', hostId: stack.hostId, image, entrypoint: [], command: ['/bin/sleep', '300'],
      limits: { memoryMb: 64, cpus: 0.5, pids: 32 }, mounts: [NODE_MOUNT],
    });
    await startContainer(engine, await createContainer(engine, buildContainerSpec({ spec, owner: { process: processIdentity(), session: 'page-test' }, sourceEnv: {} })));
    await page.getByTestId('mcp-containers-page-a1').getByText('1', { exact: true }).waitFor({ timeout: 30_000 });
    expect(await page.getByTestId('mcp-containers').textContent()).to.contain(stack.hostId).and.match(/\d+(\.\d)?%/).and.match(/MB|KB|GB/);
    await screenshot(page, 'mcp-catalog');

    await page.goto(`${stack.api.url}/agents/page-a1`);
    const section = page.getByTestId('agent-mcp-echo-page');
    await section.waitFor();
    expect(await section.textContent()).to.contain('on');
    // the running containers come from the hosts' stats events: wait for the next one
    await page.getByTestId('agent-mcp-running').getByText(`1 container running on ${stack.hostId}`).waitFor({ timeout: 30_000 });
    await screenshot(page, 'mcp-agent-section');

    await page.goto(`${stack.api.url}/mcp`);
    await page.getByRole('button', { name: 'Remove echo-page' }).click();
    await page.getByRole('group', { name: 'Confirm removing echo-page' }).getByRole('button', { name: 'Remove echo-page' }).click();
    await row.waitFor({ state: 'detached', timeout: 60_000 });
    expect(stack.services()['echo-page']).to.equal(undefined);
    await waitUntil(async () => (await listManagedContainers(engine, { host: stack.hostId, agent: 'page-a1' })).length === 0, 30_000, 200);
    expect(tab.errors).to.deep.equal([]);
  });

  it('uploads an image archive with a progress bar; the import lands on the engine and the list says so', async () => {
    const { engine } = await testEngine();
    const file = path.join(dir, 'tools.tar');
    writeFileSync(file, await savedTestImage());
    const tab = await browser.open();
    const { page } = tab;
    await logIn(page, stack.api.url, 'olga', 'olga password', '/mcp');
    // a slow link (Chromium's own throttling), so the bar has time to be seen moving
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: 2 * 1024 * 1024 });

    await page.locator('#mcp-upload-ref').fill(ref);
    await page.locator('#mcp-upload-file').setInputFiles(file);
    const bar = page.getByTestId('mcp-upload-progress');
    await bar.waitFor();
    const seen = new Set<string>();
    while (await bar.isVisible()) {
      const text = await bar.textContent().catch(() => null);
      const pct = text ? /(\d+)%/.exec(text)?.[1] : undefined;
      if (pct) seen.add(pct);
      if (seen.size === 2) await screenshot(page, 'mcp-upload-progress');
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen.size, `progress values seen: ${[...seen].join(', ')}`).to.be.greaterThan(1);
    await page.getByTestId('mcp-uploads').getByText(ref).waitFor({ timeout: 60_000 });
    await page.getByTestId('mcp-uploads').getByText('imported').waitFor({ timeout: 60_000 });
    expect(await hasImage(engine, ref)).to.equal(true);
    await screenshot(page, 'mcp-uploaded');

    // the uploaded image is offered for installing, with its name filled in
    await page.getByTestId('mcp-uploads').getByRole('button', { name: `Install ${ref}` }).click();
    expect(await page.locator('#mcp-image').inputValue()).to.equal(ref);
    expect(tab.errors).to.deep.equal([]);
  });
});

describe('dashboard: the MCP services page without a container engine', function () {
  this.timeout(120_000);
  let stack: Stack;
  const browser = useBrowser('mcp-no-engine');
  before(async () => {
    stack = await startStack({
      withHost: false,
      overrides: { 'mcp.docker_host': 'unix:///nonexistent/nox-no-engine.sock', 'auth.users': [{ name: 'vera', role: 'viewer', password_hash: await hashPassword('vera password') }] },
    });
  });
  after(async () => {
    await stack?.cleanup();
  });

  it('says "No container engine" in words where the images would be, not an empty list (dark theme)', async () => {
    const tab = await browser.open({ colorScheme: 'dark' });
    const { page } = tab;
    await logIn(page, stack.api.url, 'vera', 'vera password', '/mcp');
    const trouble = page.getByTestId('mcp-engine-trouble');
    await trouble.waitFor();
    const text = (await trouble.textContent()) ?? '';
    expect(text).to.contain('No container engine').and.contain('nonexistent/nox-no-engine.sock');
    expect(await page.getByTestId('mcp-discovery').textContent()).to.not.contain('No local image matches');
    // a viewer reads, but has no install or upload
    expect(await page.getByTestId('mcp-install').isDisabled()).to.equal(true);
    expect(await page.locator('#mcp-upload-file').isDisabled()).to.equal(true);
    await screenshot(page, 'mcp-no-engine-dark');
    expect(tab.errors).to.deep.equal([]);
  });
});
