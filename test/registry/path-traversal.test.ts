import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { files, resolveFile, safeRelativePath } from '../../shared/registry/layout.js';
import { createRegistryClient, type RegistryClient } from '../../shared/registry/registry-client.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { startStack, type Stack } from '../support/harness.js';

/** Every registry route that takes an id, a date, a sha, a branch or a path, fed traversal attempts. */
describe('registry: no input leaves the registry', () => {
  let stack: Stack;
  let writer: RegistryWriter;
  let client: RegistryClient;
  let parent: string;
  before(async () => {
    // the registry's parent is this test's own folder: what a traversal could write there is
    // checked below, and no other test can leave anything in it
    parent = mkdtempSync(path.join(tmpdir(), 'nox-traversal-'));
    mkdirSync(path.join(parent, 'registry'));
    stack = await startStack({ withHost: false, registryDir: path.join(parent, 'registry') });
    writer = await startRegistryWriter(stack.workerCtx, { watchTasks: false });
    client = createRegistryClient(stack.apiCtx);
    // A file right outside the registry that a traversal would reach.
    writeFileSync(path.join(stack.config.registryDir, '..', `secret-${path.basename(stack.config.registryDir)}.toml`), 'secret = "x"\n');
  });
  after(async () => {
    await client.close();
    await writer.close();
    await stack.cleanup();
    rmSync(parent, { recursive: true, force: true });
  });

  // (a lone "." is left out: fetch normalises it away before it reaches the server)
  const traversal = ['..', '../..', '../../etc/passwd', '%2e%2e', '..%2f..%2fetc', '%2e%2e%2fsecret', 'a1/../../x', '.git', '..%5c..', '%00'];
  const evil = [...traversal, 'A1', '-rf'];

  const expectRefused = async (method: string, url: string, body?: unknown): Promise<void> => {
    const res = await stack.call(method, url, { role: 'admin', body });
    expect([400, 404], `${method} ${url} ${JSON.stringify(body)} → ${res.status}`).to.include(res.status);
    const text = await res.text();
    expect(text).not.to.contain('secret = ');
    expect(text).not.to.contain('root:');
  };

  it('refuses traversal in agent ids and dates of the read routes', async () => {
    for (const bad of evil) {
      const seg = encodeURIComponent(bad).replace(/%25/g, '%');
      await expectRefused('GET', `/api/registry/agents/${seg}/conversations`);
      await expectRefused('GET', `/api/registry/agents/${seg}/tasks`);
      await expectRefused('GET', `/api/registry/agents/a1/conversations/${seg}`);
      await expectRefused('GET', `/api/registry/agents/${seg}/conversations/2026-01-01`);
    }
  });

  it('refuses traversal in the history path filter, the commit sha, rollback path and branch names', async () => {
    for (const bad of [...traversal, '/etc/passwd', '.git/config', '.runtime/up.json', 'agents/../../x', 'C:\\x']) {
      const res = await stack.call('GET', `/api/registry/history?path=${encodeURIComponent(bad)}`, { role: 'admin' });
      expect(res.status, `history path ${bad}`).to.equal(400);
      await expectRefused('POST', '/api/registry/rollback', { sha: 'abcdef12', path: bad });
      await expectRefused('POST', '/api/registry/branches', { action: 'create', name: bad });
      await expectRefused('POST', '/api/registry/branches', { action: 'create', name: 'ok', from: bad });
    }
    for (const bad of ['..', '..%2f..%2fetc', 'HEAD', '--all', 'zzzz', 'abc']) await expectRefused('GET', `/api/registry/commits/${bad}`);
    await expectRefused('POST', '/api/registry/branches', { action: 'create', name: '--upload-pack=touch x' });
    await expectRefused('POST', '/api/registry/branches', { action: 'switch', name: 'a..b' });
  });

  it('refuses traversal through the client and the layout helpers', async () => {
    for (const bad of ['../x', '..', 'a/b', '', 'A', '-x']) {
      expect(() => resolveFile(stack.config.registryDir, files.agentState(bad))).to.throw(/invalid file reference/);
      let err: unknown;
      try {
        await client.change({ message: 'x', changes: [{ op: 'replace', file: files.agentState(bad), content: {} }] }, 'system');
      } catch (e) {
        err = e;
      }
      expect((err as { status?: number }).status, bad).to.equal(400);
    }
    expect(() => resolveFile(stack.config.registryDir, files.conversation('a1', '../../x'))).to.throw(/invalid file reference/);
    for (const bad of ['../a', '/etc', 'a/../../b', '.git/HEAD', 'a\\b', 'a\0b']) expect(() => safeRelativePath(bad)).to.throw();
    expect(safeRelativePath('./agents//a1/state.toml')).to.equal('agents/a1/state.toml');
    expect(existsSync(path.join(stack.config.registryDir, '..', 'x'))).to.equal(false);
  });
});
