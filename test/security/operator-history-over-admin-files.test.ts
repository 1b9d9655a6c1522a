import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { RegistryClient } from '../../shared/registry/registry-client.js';
import { files } from '../../shared/registry/layout.js';
import { startRegistryStack, type RegistryStack } from '../registry/registry-stack.js';
import type { Stack } from '../support/harness.js';
import { refusal } from './principals-fixture.js';

/**
 * Operators cannot undo an admin's change through the registry history: a rollback, a
 * branch switch or a merge whose diff touches system-config.toml (system settings, users,
 * policy) is 403 `nox:admin-only-change` for an operator, and done for an admin. The API
 * refuses before queueing; the writer refuses again as it runs (a job checked before an
 * admin's change landed must not undo it).
 */
describe('security: an operator cannot roll back, switch or merge over admin-only files', function () {
  this.timeout(60_000);
  let registry: RegistryStack;
  let stack: Stack;
  let client: RegistryClient;
  const operator = { role: 'operator' as const };
  const admin = { role: 'admin' as const };
  const setModel = (model: string) => client.change({ message: `model ${model}`, changes: [{ op: 'set', file: files.agents(), key: ['agents', 'a1', 'model'], value: model }] }, 'user:olga');
  const setPolicy = (note: string) =>
    client.change({ message: `policy: ${note}`, changes: [{ op: 'set', file: files.systemConfig(), key: ['approvals', 'rules'], value: [{ action: 'deny', types: ['spawn_agent'], note }] }] }, 'user:root');
  const systemConfig = (): string => {
    const file = path.join(stack.config.registryDir, 'system-config.toml');
    return existsSync(file) ? readFileSync(file, 'utf8') : ''; // a rollback to before the file existed removes it
  };
  const post = (url: string, body: unknown, who: { role: 'operator' | 'admin' }) => stack.call('POST', url, { ...who, body });

  beforeEach(async () => {
    registry = await startRegistryStack();
    ({ stack, client } = registry);
  });
  afterEach(() => registry.close());

  it('rollback: an operator’s over system-config.toml is 403 and changes nothing; limited to other paths it is done; an admin’s is done', async () => {
    const before = await setModel('sonnet');
    await setPolicy('no spawns, says the admin');
    await setModel('opus');

    const refused = await post('/api/registry/rollback', { sha: before.sha }, operator);
    expect(await refusal(refused)).to.deep.equal({ status: 403, code: 'nox:admin-only-change' });
    expect(systemConfig()).to.include('no spawns, says the admin');
    expect(client.read.agent('a1')).to.deep.equal({ model: 'opus' });

    const scoped = await post('/api/registry/rollback', { sha: before.sha, path: 'agents.toml' }, operator);
    expect(scoped.status).to.equal(200);
    expect(((await scoped.json()) as { files: string[] }).files).to.deep.equal(['agents.toml']);

    const byAdmin = await post('/api/registry/rollback', { sha: before.sha }, admin);
    expect(byAdmin.status).to.equal(200);
    expect(((await byAdmin.json()) as { files: string[] }).files).to.include('system-config.toml');
    expect(systemConfig()).to.not.include('no spawns, says the admin');
  });

  it('branches: an operator’s switch to, or merge of, a branch whose system-config.toml differs is 403; an admin’s is done', async () => {
    await setModel('sonnet');
    expect((await post('/api/registry/branches', { action: 'create', name: 'exp' }, operator)).status, 'creating changes no file').to.equal(200);
    expect((await post('/api/registry/branches', { action: 'create', name: 'models' }, operator)).status).to.equal(200);
    expect((await post('/api/registry/branches', { action: 'switch', name: 'exp' }, admin)).status).to.equal(200);
    await setPolicy('the experiment’s policy');
    expect((await post('/api/registry/branches', { action: 'switch', name: 'models' }, admin)).status).to.equal(200);
    await setModel('haiku');
    expect((await post('/api/registry/branches', { action: 'switch', name: 'main' }, admin)).status).to.equal(200);

    expect(await refusal(await post('/api/registry/branches', { action: 'switch', name: 'exp' }, operator))).to.deep.equal({ status: 403, code: 'nox:admin-only-change' });
    expect(await refusal(await post('/api/registry/branches', { action: 'merge', name: 'exp' }, operator))).to.deep.equal({ status: 403, code: 'nox:admin-only-change' });
    // merging into exp would first check exp out: that too changes system-config.toml
    expect(await refusal(await post('/api/registry/branches', { action: 'merge', name: 'models', into: 'exp' }, operator))).to.deep.equal({ status: 403, code: 'nox:admin-only-change' });
    expect(((await (await stack.call('GET', '/api/registry/branches', operator)).json()) as { current: string }).current).to.equal('main');

    // a branch that differs in other files only is the operator's to use
    expect((await post('/api/registry/branches', { action: 'merge', name: 'models' }, operator)).status).to.equal(200);
    expect(client.read.agent('a1')).to.deep.equal({ model: 'haiku' });

    const switched = await post('/api/registry/branches', { action: 'switch', name: 'exp' }, admin);
    expect(switched.status).to.equal(200);
    expect(systemConfig()).to.include('the experiment’s policy');
  });

  it('the writer refuses too: an operator’s job checked before an admin’s change landed does not undo it', async () => {
    const before = await setModel('sonnet');
    await setPolicy('landed after the API checked');
    // what the API queues for an operator, as if its own check had passed a moment earlier
    const job = client.rollback({ sha: before.sha! }, 'user:olga', { guardAdminOnly: true });
    const err = (await job.then(() => undefined, (e: unknown) => e)) as { code?: string; status?: number } | undefined;
    expect(err, 'refused by the writer').to.include({ code: 'nox:admin-only-change', status: 403 });
    expect(systemConfig()).to.include('landed after the API checked');
    const branch = await client.branch({ action: 'create', name: 'later' }, 'user:olga', { guardAdminOnly: true });
    expect(branch.branch, 'what changes no admin-only file still runs').to.equal('later');
  });
});
