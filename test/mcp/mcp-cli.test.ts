import { randomBytes } from 'node:crypto';
import { expect } from 'chai';
import { hasImage, removeImage } from '../../shared/mcp/images.js';
import { testRootfsTar } from '../fixtures/mcp/build-image.js';
import { tokenFor } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';
import { testEngine } from './support/engine.js';
import { startMcpStack, waitUntil, type McpStack } from './support/mcp-stack.js';

/** `nox mcp …` against a real API, approvals workflow, registry writer and engine. */
describe('nox mcp install|list|enable|disable|remove (CLI against a real API)', function () {
  // each `nox` run is a fresh process compiling TypeScript through tsx: seconds each
  this.timeout(240_000);
  let stack: McpStack;
  let env: NodeJS.ProcessEnv;
  const image = `localhost/nox-test-mcp-cli:${randomBytes(3).toString('hex')}`;
  before(async () => {
    await testEngine();
    stack = await startMcpStack();
    env = { NOX_API_URL: stack.api.url, NOX_TOKEN: tokenFor('operator', 'dora'), NOX_REGISTRY_DIR: stack.config.registryDir, LOG_LEVEL: 'silent' };
  });
  after(async () => {
    await stack?.cleanup();
    const { engine } = await testEngine();
    await removeImage(engine, image).catch(() => undefined);
  });

  const run = async (args: string[], expectCode = 0): Promise<string> => {
    const p = spawnNox(args, env);
    const { code } = await p.exited();
    expect(code, p.output()).to.equal(expectCode);
    return p.output();
  };

  it('installs after approval, enables for an allowed agent only, disables, removes', async () => {
    const { engine } = await testEngine();
    await stack.json('POST', '/api/agents', 201, { body: { id: 'cli-a1' } });
    await stack.json('POST', '/api/agents', 201, { body: { id: 'cli-a2' } });

    const asked = await run(['mcp', 'install', 'echo-cli', image, '--tar', await testRootfsTar(), '--change', 'CMD ["/usr/bin/node", "/app/server.mjs"]', '--agent', 'cli-a1', '--description', 'echo tools']);
    const approvalId = /waits for approval (ap-[0-9a-f]{32})/.exec(asked)?.[1];
    expect(approvalId, asked).to.be.a('string');
    expect(await run(['mcp', 'status', approvalId as string])).to.match(/^echo-cli\tpending/);
    expect(await hasImage(engine, image)).to.equal(false);

    await waitUntil(async () => (await stack.json<{ expires_at?: number }>('GET', `/api/approvals/${approvalId}`, 200)).expires_at !== undefined, 10_000);
    await run(['approve', approvalId as string, '--reason', 'looked at it']);
    await waitUntil(async () => (await stack.json<{ status: string }>('GET', `/api/mcp/installs/${approvalId}`, 200)).status === 'installed', 60_000, 200);
    expect(await run(['mcp', 'list'])).to.match(new RegExp(`^echo-cli\\t${image.replace(/[.:/]/g, '\\$&')}\\tagents cli-a1\\tenabled -\\tnetwork none\\techo tools`, 'm'));

    expect(await run(['mcp', 'enable', 'echo-cli', '--agent', 'cli-a1'])).to.contain('enabled: echo-cli for cli-a1');
    const refused = await run(['mcp', 'enable', 'echo-cli', '--agent', 'cli-a2'], 1);
    expect(refused).to.contain('403 nox:mcp-service-not-allowed');
    expect(await run(['mcp', 'disable', 'echo-cli', '--agent', 'cli-a1'])).to.contain('disabled: echo-cli for cli-a1');

    expect(await run(['mcp', 'remove', 'echo-cli'])).to.match(/removing echo-cli \(job remove-echo-cli-/);
    await waitUntil(() => stack.services()['echo-cli'] === undefined, 60_000, 200);
  });
});
