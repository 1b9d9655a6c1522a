import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync } from 'node:zlib';
import { parse as parseToml } from 'smol-toml';
import { createRegistryClient, type RegistryClient } from '../../shared/registry/registry-client.js';
import { files } from '../../shared/registry/layout.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { startStack, type Stack } from '../support/harness.js';

describe('registry API: history, diff, rollback, branches, backup', () => {
  let stack: Stack;
  let writer: RegistryWriter;
  let client: RegistryClient;
  let bare: string;
  const git = (...args: string[]): string => execFileSync('git', args, { cwd: stack.config.registryDir, encoding: 'utf8' });
  const setModel = (model: string, actor: `user:${string}` = 'user:alice') =>
    client.change({ message: `set a1 model to ${model}`, changes: [{ op: 'set', file: files.agents(), key: ['agents', 'a1', 'model'], value: model }] }, actor);

  beforeEach(async () => {
    bare = mkdtempSync(path.join(tmpdir(), 'nox-backup-'));
    execFileSync('git', ['init', '-q', '--bare', bare]);
    stack = await startStack({ withHost: false, overrides: { 'registry.backup_remote': bare } });
    writer = await startRegistryWriter(stack.workerCtx, { watchTasks: false });
    client = createRegistryClient(stack.apiCtx);
  });
  afterEach(async () => {
    await client.close();
    await writer.close();
    await stack.cleanup();
    rmSync(bare, { recursive: true, force: true });
  });

  it('lists history filtered by path and actor, and shows a commit with its diff', async () => {
    await setModel('sonnet');
    await client.change({ message: 'note', changes: [{ op: 'set', file: files.agentMemory('a1'), key: ['fact'], value: 'x' }] }, 'agent:a1');
    const all = (await (await stack.call('GET', '/api/registry/history', { role: 'viewer' })).json()) as { commits: { sha: string; actor: string; message: string; files: string[] }[] };
    expect(all.commits.map((c) => c.message).slice(0, 2)).to.deep.equal(['note', 'set a1 model to sonnet']);
    expect(all.commits[0]!.actor).to.equal('agent:a1');

    const byPath = (await (await stack.call('GET', '/api/registry/history?path=agents.toml', { role: 'viewer' })).json()) as { commits: { message: string }[] };
    expect(byPath.commits.map((c) => c.message)).to.deep.equal(['set a1 model to sonnet']);
    const byActor = (await (await stack.call('GET', '/api/registry/history?actor=agent:a1', { role: 'viewer' })).json()) as { commits: { message: string }[] };
    expect(byActor.commits.map((c) => c.message)).to.deep.equal(['note']);

    const sha = all.commits[1]!.sha;
    const res = await stack.call('GET', `/api/registry/commits/${sha.slice(0, 10)}`, { role: 'viewer' });
    expect(res.status).to.equal(200);
    const commit = (await res.json()) as { sha: string; diff: string; files: string[]; actor: string };
    expect(commit.sha).to.equal(sha);
    expect(commit.files).to.deep.equal(['agents.toml']);
    expect(commit.diff).to.contain('+model = "sonnet"');
    expect(commit.actor).to.equal('user:alice');

    expect((await stack.call('GET', '/api/registry/commits/deadbeefdeadbeef', { role: 'viewer' })).status).to.equal(404);

    const status = (await (await stack.call('GET', '/api/registry/status', { role: 'viewer' })).json()) as { writer: { running: boolean; pid: number }; branch: string; bufferedAppends: number };
    expect(status.writer).to.deep.equal({ running: true, pid: process.pid });
    expect(status.branch).to.equal('main');
    expect(status.bufferedAppends).to.equal(0);
  });

  it('rolls back to a commit and to a time as a new commit, never rewriting history', async () => {
    const first = await setModel('sonnet');
    await new Promise((r) => setTimeout(r, 1100)); // git times have one-second resolution
    const between = new Date().toISOString();
    await new Promise((r) => setTimeout(r, 1100));
    await setModel('opus');
    const before = Number(git('rev-list', '--count', 'HEAD'));

    expect((await stack.call('POST', '/api/registry/rollback', { role: 'viewer', body: { sha: first.sha } })).status).to.equal(403);
    const res = await stack.call('POST', '/api/registry/rollback', { role: 'operator', body: { sha: first.sha } });
    expect(res.status).to.equal(200);
    const rolled = (await res.json()) as { sha: string; message: string; kind: string; files: string[] };
    expect(rolled.kind).to.equal('rollback');
    expect(rolled.files).to.deep.equal(['agents.toml']);
    expect(client.read.agent('a1')).to.deep.equal({ model: 'sonnet' });
    expect(Number(git('rev-list', '--count', 'HEAD'))).to.equal(before + 1);
    expect(git('log', '-1', '--format=%an').trim()).to.equal('test-operator');

    await setModel('haiku');
    const byTime = await stack.call('POST', '/api/registry/rollback', { role: 'admin', body: { time: between } });
    expect(byTime.status).to.equal(200);
    expect(client.read.agent('a1')).to.deep.equal({ model: 'sonnet' });
    expect((await stack.call('POST', '/api/registry/rollback', { role: 'admin', body: { time: '2001-01-01T00:00:00Z' } })).status).to.equal(404);
  });

  it('creates a branch, switches to it, changes it, and merges it back', async () => {
    await setModel('sonnet');
    const call = (body: unknown) => stack.call('POST', '/api/registry/branches', { role: 'operator', body });
    expect((await call({ action: 'create', name: 'experiment' })).status).to.equal(200);
    expect((await call({ action: 'create', name: 'experiment' })).status).to.equal(409);
    expect((await call({ action: 'switch', name: 'experiment' })).status).to.equal(200);
    await setModel('opus');
    expect(client.read.agent('a1')).to.deep.equal({ model: 'opus' });
    expect(((await call({ action: 'switch', name: 'main' })).status)).to.equal(200);
    expect(client.read.agent('a1')).to.deep.equal({ model: 'sonnet' });
    const listed = (await (await stack.call('GET', '/api/registry/branches', { role: 'viewer' })).json()) as { current: string; branches: { name: string }[] };
    expect(listed.current).to.equal('main');
    expect(listed.branches.map((b) => b.name)).to.have.members(['main', 'experiment']);

    const merged = await call({ action: 'merge', name: 'experiment' });
    const answer = (await merged.json()) as { sha?: string; detail?: string };
    // a refusal's detail carries git's own words: say them if this ever fails
    expect(merged.status, JSON.stringify(answer)).to.equal(200);
    expect(answer.sha).to.match(/^[0-9a-f]{40}$/);
    expect(client.read.agent('a1')).to.deep.equal({ model: 'opus' });
    expect(git('log', '-1', '--format=%P').trim().split(' ')).to.have.length(2);
    expect(git('log', '-1', '--format=%an').trim()).to.equal('test-operator');
  });

  it('merges two branches that both appended to the same day (audit, conversation, samples) as the union of their lines', async () => {
    // 2026-11-28 is a closed day: every flush compresses its conversation into a .toml.gz,
    // so both branches add that .gz. Today's conversation stays open (.toml) on both.
    const at = (s: number) => new Date(Date.UTC(2026, 10, 28, 10, 0, s)).toISOString();
    const now = new Date();
    const today = now.toISOString().slice(0, 10);
    const atToday = (s: number) => new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 0, 0, s)).toISOString();
    const appendAll = async (side: string, s: number) => {
      await client.append({ target: 'audit', entry: { at: at(s), actor: 'user:alice', action: `${side}-audit` } });
      await client.append({ target: 'conversation', agentId: 'a1', entry: { at: at(s), role: 'user', text: `${side}-line` } });
      await client.append({ target: 'conversation', agentId: 'a1', entry: { at: atToday(s), role: 'user', text: `${side}-today` } });
      await client.append({ target: 'resource-usage', entry: { at: at(s), agentId: 'a1', cpu: s, memory: 1 } });
      await client.flush();
    };
    await setModel('sonnet');
    await client.branch({ action: 'create', name: 'exp' }, 'user:alice');
    // on main first: the day files are added here, and (an add/add) on exp too
    await appendAll('main', 3);
    await client.branch({ action: 'switch', name: 'exp' }, 'user:alice');
    await appendAll('exp', 1);
    await appendAll('exp-later', 5);
    await client.branch({ action: 'switch', name: 'main' }, 'user:alice');
    await appendAll('main-later', 7);

    const res = await stack.call('POST', '/api/registry/branches', { role: 'operator', body: { action: 'merge', name: 'exp' } });
    expect(res.status, await res.clone().text()).to.equal(200);
    expect(git('log', '-1', '--format=%P').trim().split(' ')).to.have.length(2);
    expect(git('status', '--porcelain').trim()).to.equal('');
    const toml = (rel: string) => parseToml(git('show', `HEAD:${rel}`)) as { entries?: Record<string, unknown>[]; samples?: Record<string, unknown>[] };
    // every line of both sides, once, in time order
    expect(toml('audit/2026-11-28.toml').entries!.filter((e) => e.actor === 'user:alice').map((e) => e.action)).to.deep.equal(['exp-audit', 'main-audit', 'exp-later-audit', 'main-later-audit']);
    // a day file in whichever form the merge left it (a closed day's .gz, or open)
    const day = (rel: string) => {
      const gz = git('ls-tree', '--name-only', 'HEAD', `${rel}.gz`).trim() !== '';
      const bytes = execFileSync('git', ['show', `HEAD:${rel}${gz ? '.gz' : ''}`], { cwd: stack.config.registryDir });
      return { gz, entries: (parseToml((gz ? gunzipSync(bytes) : bytes).toString('utf8')) as { entries: Record<string, unknown>[] }).entries };
    };
    const closed = day('agents/a1/conversations/2026-11-28.toml');
    expect(closed.gz).to.equal(true);
    expect(git('ls-tree', '--name-only', 'HEAD', 'agents/a1/conversations/2026-11-28.toml').trim()).to.equal('');
    expect(closed.entries.map((e) => e.text)).to.deep.equal(['exp-line', 'main-line', 'exp-later-line', 'main-later-line']);
    expect(day(`agents/a1/conversations/${today}.toml`).entries.map((e) => e.text)).to.deep.equal(['exp-today', 'main-today', 'exp-later-today', 'main-later-today']);
    expect(toml('resource-usage.toml').samples!.map((e) => e.cpu)).to.deep.equal([1, 3, 5, 7]);

    // a real conflict next to the day files still refuses the whole merge
    await client.branch({ action: 'switch', name: 'exp' }, 'user:alice');
    await setModel('opus');
    await appendAll('exp-again', 9);
    await client.branch({ action: 'switch', name: 'main' }, 'user:alice');
    await setModel('haiku');
    await appendAll('main-again', 11);
    const head = git('rev-parse', 'HEAD').trim();
    const refused = await stack.call('POST', '/api/registry/branches', { role: 'operator', body: { action: 'merge', name: 'exp' } });
    expect(refused.status).to.equal(409);
    expect(((await refused.json()) as { detail: string }).detail).to.match(/conflicts in agents\.toml:/);
    expect(git('rev-parse', 'HEAD').trim()).to.equal(head);
    expect(git('status', '--porcelain').trim()).to.equal('');
  });

  it('backs up every branch to the configured remote (a local bare repository)', async () => {
    await setModel('sonnet');
    await client.branch({ action: 'create', name: 'exp' }, 'user:alice');
    const res = await stack.call('POST', '/api/registry/backup', { role: 'admin' });
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { branches: string[] }).branches).to.have.members(['main', 'exp']);
    const remoteHead = execFileSync('git', ['rev-parse', 'refs/heads/main'], { cwd: bare, encoding: 'utf8' }).trim();
    expect(remoteHead).to.equal(git('rev-parse', 'HEAD').trim());
    expect(execFileSync('git', ['branch', '--list'], { cwd: bare, encoding: 'utf8' })).to.contain('exp');
  });

  it('serves conversation days, closed (compressed) ones included, and an agent\'s tasks', async () => {
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const day = yesterday.slice(0, 10);
    await client.append({ target: 'conversation', agentId: 'a1', entry: { at: yesterday, role: 'user', text: 'hello' } });
    await client.flush();
    const days = (await (await stack.call('GET', '/api/registry/agents/a1/conversations', { role: 'viewer' })).json()) as { days: unknown[] };
    expect(days.days).to.deep.equal([{ date: day, compressed: true }]);
    const res = await stack.call('GET', `/api/registry/agents/a1/conversations/${day}`, { role: 'viewer' });
    expect(res.status).to.equal(200);
    expect(((await res.json()) as { entries: { text: string }[] }).entries.map((e) => e.text)).to.deep.equal(['hello']);

    await client.change({ message: 'add a task', changes: [{ op: 'upsert', file: files.agentTasks('a1'), key: ['tasks'], item: { id: 't-1', title: 'Write it', status: 'pending', priority: 'high' } }] }, 'user:alice');
    const tasks = (await (await stack.call('GET', '/api/registry/agents/a1/tasks', { role: 'viewer' })).json()) as { tasks: { id: string }[]; markdown: string };
    expect(tasks.tasks.map((t) => t.id)).to.deep.equal(['t-1']);
    expect(tasks.markdown).to.contain('- [ ] Write it !high {t-1}');
  });

  it('refuses a conflicting merge (409) and leaves the branch as it was', async () => {
    await setModel('sonnet');
    await client.branch({ action: 'create', name: 'exp' }, 'user:alice');
    await client.branch({ action: 'switch', name: 'exp' }, 'user:alice');
    await setModel('opus');
    await client.branch({ action: 'switch', name: 'main' }, 'user:alice');
    await setModel('haiku');
    const head = git('rev-parse', 'HEAD').trim();
    const res = await stack.call('POST', '/api/registry/branches', { role: 'operator', body: { action: 'merge', name: 'exp' } });
    expect(res.status).to.equal(409);
    expect(((await res.json()) as { detail: string }).detail).to.match(/conflicts in agents\.toml/);
    expect(git('rev-parse', 'HEAD').trim()).to.equal(head);
    expect(git('status', '--porcelain').trim()).to.equal('');
    expect(client.read.agent('a1')).to.deep.equal({ model: 'haiku' });
  });

  it('rolls back one path only', async () => {
    const first = await setModel('sonnet');
    await client.change({ message: 'state', changes: [{ op: 'set', file: files.agentState('a1'), key: ['status'], value: 'idle' }] }, 'system');
    await setModel('opus');
    const res = await stack.call('POST', '/api/registry/rollback', { role: 'operator', body: { sha: first.sha, path: 'agents/a1' } });
    expect(res.status).to.equal(200);
    const body = (await res.json()) as { files: string[]; message: string };
    expect(body.files).to.deep.equal(['agents/a1/state.toml']);
    expect(body.message).to.match(/^roll back agents\/a1 to [0-9a-f]{10}$/);
    expect(client.read.agentState('a1')).to.deep.equal({});
    expect(client.read.agent('a1')).to.deep.equal({ model: 'opus' });
  });
});
