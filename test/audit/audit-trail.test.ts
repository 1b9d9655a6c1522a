import { expect } from 'chai';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'smol-toml';
import { createRegistryClient, type RegistryClient } from '../../shared/registry/registry-client.js';
import { utcDate } from '../../shared/registry/layout.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { startStack, tokenFor, type Stack } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';

interface Entry {
  id: string;
  actor: string;
  role: string;
  action: string;
  target: string;
  outcome: string;
  status: number;
  correlationId: string;
  address: string;
}

describe('audit trail: who did what, kept where nobody can take it back', function () {
  this.timeout(30_000);
  let stack: Stack;
  let writer: RegistryWriter;
  let client: RegistryClient;
  const done: { correlationId: string; what: string }[] = [];
  const audit = async (query = ''): Promise<{ entries: Entry[]; next: string | null }> => {
    const res = await stack.call('GET', `/api/audit${query}`, { role: 'operator' });
    expect(res.status).to.equal(200);
    return (await res.json()) as { entries: Entry[]; next: string | null };
  };
  const act = async (what: string, method: string, url: string, options: { role?: 'admin' | 'operator' | 'viewer'; token?: string; body?: unknown }, status: number): Promise<Response> => {
    const res = await stack.call(method, url, options);
    expect(res.status, `${what}: ${await res.clone().text()}`).to.equal(status);
    done.push({ correlationId: res.headers.get('x-correlation-id') ?? '', what });
    return res;
  };

  const history = async (): Promise<{ sha: string }[]> => ((await (await stack.call('GET', '/api/registry/history?limit=500', { role: 'viewer' })).json()) as { commits: { sha: string }[] }).commits;

  before(async () => {
    stack = await startStack({ withHost: false });
    writer = await startRegistryWriter(stack.workerCtx, { watchTasks: false });
    client = createRegistryClient(stack.apiCtx);
    // a scripted sequence by people and an agent
    await act('create', 'POST', '/api/agents', { role: 'admin', body: { id: 'au1' } }, 201);
    const first = (await history())[0]!;
    const asked = (await (await act('ask', 'POST', '/api/approvals', { token: tokenFor('agent', 'au1', 'au1'), body: { description: 'may I deploy?' } }, 202)).json()) as { id: string };
    await act('approve', 'POST', `/api/approvals/${asked.id}/approve`, { role: 'operator', body: {} }, 200);
    await act('viewer tries', 'POST', '/api/agents', { role: 'viewer', body: { id: 'au2' } }, 403);
    await act('forged token', 'POST', '/api/agents', { token: 'not-a-token', body: { id: 'au3' } }, 401);
    await act('bad body', 'POST', '/api/agents', { role: 'admin', body: { id: 'NOT VALID' } }, 400);
    await act('rollback', 'POST', '/api/registry/rollback', { role: 'admin', body: { sha: first.sha } }, 200);
  });
  after(async () => {
    await client.close();
    await writer.close();
    await stack.cleanup();
  });

  it('records each state-changing request with its actor, role, action, target, outcome and correlation id, newest first', async () => {
    const { entries } = await audit();
    const mine = entries.filter((e) => done.some((d) => d.correlationId === e.correlationId));
    expect(mine.map((e) => [e.actor, e.role, e.action, e.target, e.outcome, e.status])).to.deep.equal([
      ['user:test-admin', 'admin', 'POST /api/registry/rollback', '/api/registry/rollback', 'ok', 200],
      ['user:test-admin', 'admin', 'POST /api/agents', '/api/agents', 'refused', 400],
      ['anonymous', 'none', 'POST /api/agents', '/api/agents', 'denied', 401],
      ['user:test-viewer', 'viewer', 'POST /api/agents', '/api/agents', 'denied', 403],
      ['user:test-operator', 'operator', 'POST /api/approvals/:id/approve', mine[4]!.target, 'ok', 200],
      ['agent:au1', 'agent', 'POST /api/approvals', '/api/approvals', 'ok', 202],
      ['user:test-admin', 'admin', 'POST /api/agents', '/api/agents', 'ok', 201],
    ]);
    expect(mine[4]!.target).to.match(/^\/api\/approvals\/[^/]+\/approve$/);
    expect(mine.map((e) => e.correlationId)).to.deep.equal(done.map((d) => d.correlationId).reverse());
    for (const e of mine) expect(e.address).to.match(/127\.0\.0\.1/);
    // reads are not acts: the GETs of this test are not in it
    expect(entries.some((e) => e.action.startsWith('GET '))).to.equal(false);
  });

  it('filters by actor, outcome and target, and pages newest first without skipping or repeating', async () => {
    expect((await audit('?actor=agent:au1')).entries.map((e) => e.action)).to.deep.equal(['POST /api/approvals']);
    expect((await audit('?outcome=denied')).entries.map((e) => e.status)).to.deep.equal([401, 403]);
    expect((await audit('?target=/api/registry')).entries).to.have.length(1);
    const all = (await audit()).entries.map((e) => e.id);
    const seen: string[] = [];
    let cursor = '';
    for (;;) {
      const page = await audit(`?limit=3${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.entries.map((e) => e.id));
      if (!page.next) break;
      cursor = page.next;
    }
    expect(seen).to.deep.equal(all);
    expect((await stack.call('GET', '/api/audit?cursor=nope', { role: 'operator' })).status).to.equal(400);
    expect((await stack.call('GET', '/api/audit?from=yesterday', { role: 'operator' })).status).to.equal(400);
  });

  it('is read by operators and admins only, and no route writes or erases it', async () => {
    const agent = tokenFor('agent', 'au1', 'au1');
    expect((await stack.call('GET', '/api/audit', { role: 'viewer' })).status).to.equal(403);
    expect((await stack.call('GET', '/api/audit', { token: agent })).status).to.equal(403);
    for (const method of ['POST', 'PUT', 'PATCH', 'DELETE']) {
      expect((await stack.call(method, '/api/audit', { token: agent, body: { actor: 'user:someone-else' } })).status, method).to.equal(404);
      expect((await stack.call(method, '/api/audit', { role: 'admin', body: {} })).status, method).to.equal(404);
    }
    const before = (await audit()).entries.length;
    expect(before).to.be.greaterThan(0);
  });

  it('`nox audit` prints the entries, filtered, and follows the pages with --all', async function () {
    this.timeout(120_000); // a fresh process compiling TypeScript through tsx
    const env = { NOX_API_URL: stack.api.url, NOX_TOKEN: tokenFor('operator', 'carol'), NOX_REGISTRY_DIR: stack.config.registryDir, LOG_LEVEL: 'silent' };
    const p = spawnNox(['audit', '--actor', 'agent:au1'], env);
    expect((await p.exited()).code, p.output()).to.equal(0);
    const lines = p.output().trim().split('\n');
    expect(lines).to.have.length(1);
    expect(lines[0]).to.match(/\tagent:au1\tPOST \/api\/approvals\t\/api\/approvals\tok 202\t/);
    const all = spawnNox(['audit', '--limit', '2', '--all', '--json'], env);
    expect((await all.exited()).code, all.output()).to.equal(0);
    const printed = all.output().trim().split('\n').map((l) => (JSON.parse(l) as Entry).id);
    expect(printed).to.deep.equal((await audit()).entries.map((e) => e.id));
  });

  it('goes to the registry in batches (audit/<day>.toml), and a rollback never takes entries back', async () => {
    await client.flush();
    const file = path.join(stack.config.registryDir, 'audit', `${utcDate()}.toml`);
    expect(existsSync(file)).to.equal(true);
    const day = parse(readFileSync(file, "utf8")) as unknown as { entries: Entry[] };
    const ids = new Set(day.entries.map((e) => e.correlationId));
    for (const d of done) expect(ids.has(d.correlationId), d.what).to.equal(true);
    // roll back to before the file existed: agents.toml goes back, the audit file stays
    const commits = await history();
    const oldest = commits[commits.length - 1]!;
    const res = await stack.call('POST', '/api/registry/rollback', { role: 'admin', body: { sha: oldest.sha } });
    expect(res.status).to.equal(200);
    const after = parse(readFileSync(file, "utf8")) as unknown as { entries: Entry[] };
    expect(after.entries.length).to.be.at.least(day.entries.length);
  });
});
