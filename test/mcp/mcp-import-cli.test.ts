import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import { hasImage, removeImage } from '../../shared/mcp/images.js';
import { tokenFor } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';
import { testEngine } from './support/engine.js';
import { savedTestImage } from './support/image-archive.js';
import { startMcpStack, waitUntil, type McpStack } from './support/mcp-stack.js';

/**
 * `nox mcp import FILE` uploads through POST /api/mcp/images (the dashboard's route) and
 * the worker host's `mcp` queue loads it; `nox mcp install --present` then installs the
 * uploaded image through the approval like any other.
 */
describe('nox mcp import FILE (CLI → API upload → mcp queue → engine)', function () {
  this.timeout(240_000);
  let stack: McpStack;
  let env: NodeJS.ProcessEnv;
  let dir: string;
  const ref = `localhost/nox-test-mcp-import:${randomBytes(3).toString('hex')}`;
  before(async () => {
    await testEngine();
    stack = await startMcpStack();
    dir = mkdtempSync(path.join(tmpdir(), 'nox-import-'));
    env = { NOX_API_URL: stack.api.url, NOX_TOKEN: tokenFor('operator', 'ines'), NOX_REGISTRY_DIR: stack.config.registryDir, LOG_LEVEL: 'silent' };
  });
  after(async () => {
    await stack?.cleanup();
    rmSync(dir, { recursive: true, force: true });
    const { engine } = await testEngine();
    await removeImage(engine, ref).catch(() => undefined);
  });

  const run = async (args: string[], expectCode = 0): Promise<string> => {
    const p = spawnNox(args, env);
    const { code } = await p.exited();
    expect(code, p.output()).to.equal(expectCode);
    return p.output();
  };

  it('imports the archive onto the engine, then installs it (--present) once approved', async () => {
    const { engine } = await testEngine();
    const file = path.join(dir, 'tools.tar');
    writeFileSync(file, await savedTestImage());
    const imported = await run(['mcp', 'import', file, '--ref', ref, '--wait']);
    expect(imported).to.match(/uploaded .*tools\.tar \(\d+ MiB\) as up-[0-9a-f]{24}/);
    expect(imported).to.contain(`imported: ${ref}`);
    expect(await hasImage(engine, ref)).to.equal(true);

    await stack.json('POST', '/api/agents', 201, { body: { id: 'imp-a1' } });
    const asked = await run(['mcp', 'install', 'echo-up', ref, '--present', '--agent', 'imp-a1']);
    const approvalId = /waits for approval (ap-[0-9a-f]{32})/.exec(asked)?.[1] as string;
    expect(approvalId, asked).to.be.a('string');
    await waitUntil(async () => (await stack.json<{ expires_at?: number }>('GET', `/api/approvals/${approvalId}`, 200)).expires_at !== undefined, 10_000);
    await run(['approve', approvalId, '--reason', 'uploaded by us']);
    await waitUntil(async () => (await stack.json<{ status: string }>('GET', `/api/mcp/installs/${approvalId}`, 200)).status === 'installed', 60_000, 200);
    expect(stack.services()['echo-up']?.image).to.equal(ref);
  });

  it('says why a file is refused (a bad tar is a 400 that names the problem)', async () => {
    const file = path.join(dir, 'notes.tar');
    writeFileSync(file, 'plain text, not an archive\n'.repeat(100));
    const refused = await run(['mcp', 'import', file], 1);
    expect(refused).to.contain('400 nox:mcp-upload-invalid');
    expect(refused).to.contain('not a tar archive');
  });
});
