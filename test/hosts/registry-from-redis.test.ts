import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { createRegistryAgentStore } from '../../shared/agents/registry-agent-store.js';
import { agentConfigSchema } from '../../shared/agents/agent-config.js';
import { RegistryNotPublishedError } from '../../shared/errors/registry-errors.js';
import { liveHosts } from '../../shared/hosts/host-directory.js';
import { createLogger } from '../../shared/logger.js';
import { files } from '../../shared/registry/layout.js';
import { createRegistryClient, registryClientFor } from '../../shared/registry/registry-client.js';
import { hostsWaitingForRegistry, readPublication } from '../../shared/registry/registry-publication.js';
import { startApiServer } from '../../api/server.js';
import { createContext, type NoxContext } from '../../shared/runtime/context.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { dropPrefix, testConfig, testContext, tokenFor, uniquePrefix, waitUntil } from '../support/harness.js';
import { startTestWorker } from '../support/test-worker.js';

/**
 * Registry reads from any machine (issue 15, item 1): a host whose folder is empty — the
 * registry folder absent — reads what the writer published to Redis: agents, the MCP
 * catalog, config tables; it reads its own writes at once; it waits, and says so, while
 * no writer has ever published; secrets in an old registry's config file never reach Redis.
 */
describe('hosts: the registry read from Redis on a host without the folder', function () {
  this.timeout(30_000);
  const made: NoxContext[] = [];
  const dirs: string[] = [];
  const prefixes: string[] = [];
  let writer: RegistryWriter | undefined;

  /** a registry folder path on "another machine": its parent exists, the folder does not */
  const absentFolder = (): string => {
    const machine = mkdtempSync(path.join(tmpdir(), 'nox-machine-'));
    dirs.push(machine);
    return path.join(machine, '.nox-registry');
  };
  const context = (prefix: string, registryDir?: string, extra: Record<string, unknown> = {}, logs?: PassThrough): NoxContext => {
    const config = testConfig({ prefix, ...(registryDir ? { registryDir } : {}), overrides: { 'registry.reads': 'auto', 'registry.wait_log_interval_ms': 100, ...extra } });
    if (!registryDir) dirs.push(config.registryDir);
    const ctx = logs ? createContext({ config, role: 'worker', logger: createLogger({ level: 'info', stream: logs }) }) : testContext(config, 'worker');
    made.push(ctx);
    return ctx;
  };
  const agent = (id: string, labels: Record<string, string> = {}) => agentConfigSchema.parse({ id, name: id, labels, created_at: new Date().toISOString(), last_modified: new Date().toISOString() });

  afterEach(async () => {
    await writer?.close();
    writer = undefined;
    for (const ctx of made.splice(0)) await ctx.close();
    for (const p of prefixes.splice(0)) await dropPrefix(p);
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('sees every agent, service and config table the writer committed, and its own writes at once', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const onWriter = context(prefix);
    writer = await startRegistryWriter(onWriter, { watchTasks: false });
    const elsewhereDir = absentFolder();
    const elsewhere = context(prefix, elsewhereDir);
    const remote = registryClientFor(elsewhere);
    expect(remote.source).to.equal('redis');
    await remote.ready();

    const local = createRegistryAgentStore(registryClientFor(onWriter), onWriter.logger);
    await local.create(agent('made-on-a', { machine: 'b' }), 'user:alice');
    await registryClientFor(onWriter).change(
      {
        message: 'catalog and policy',
        changes: [
          { op: 'set', file: files.mcpServices(), key: ['services', 'files'], value: { image: 'mcp/filesystem:1', transport: 'stdio' } },
          { op: 'set', file: files.systemConfig(), key: ['approvals', 'require_second_person'], value: true },
        ],
      },
      'user:alice',
    );
    const remoteAgents = createRegistryAgentStore(remote, elsewhere.logger);
    // the store looks again, once caught up, for an agent it does not know yet
    expect((await remoteAgents.get('made-on-a'))?.labels).to.deep.equal({ machine: 'b' });
    await remote.caughtUp();
    expect(Object.keys(remote.read.mcpServices())).to.deep.equal(['files']);
    expect((remote.toml(files.systemConfig()).approvals as Record<string, unknown>).require_second_person).to.equal(true);

    // a write from this host goes through the queue to the writer; reading it back needs no wait
    await remoteAgents.create(agent('made-on-b'), 'user:bob');
    expect(remote.read.agent('made-on-b')).to.not.equal(undefined);
    expect((await remoteAgents.list()).map((a) => a.id)).to.deep.equal(['made-on-a', 'made-on-b']);
    await remoteAgents.remove('made-on-a', 'user:bob');
    expect(remote.read.agent('made-on-a')).to.equal(undefined);

    // the same, published with the commit's sha; and the host's folder was never made
    const published = await readPublication(elsewhere.redis, elsewhere.keys);
    const head = (await writer.state.git.revparse(['HEAD'])).trim();
    expect(published?.sha).to.equal(head);
    expect(remote.read.agents()).to.deep.equal(registryClientFor(onWriter).read.agents());
    expect(existsSync(elsewhereDir)).to.equal(false);
  });

  it('publishes conversation days and resource samples by name only; a mirror lists them and holds no text', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const onWriter = context(prefix);
    writer = await startRegistryWriter(onWriter, { watchTasks: false });
    const remote = registryClientFor(context(prefix, absentFolder()));
    await remote.ready();
    const local = registryClientFor(onWriter);
    await local.append({ target: 'conversation', agentId: 'talker', entry: { at: '2026-11-27T10:00:00Z', role: 'user', text: 'a line of yesterday' } });
    await local.append({ target: 'resource-usage', entry: { agentId: 'talker', cpu_percent: 1 } });
    await local.flush();
    await remote.caughtUp();
    // named in Redis, their text left in the writer's folder...
    const stored = await onWriter.redis.hgetall(onWriter.keys.registryFiles());
    const day = Object.keys(stored).find((rel) => rel.startsWith('agents/talker/conversations/2026-11-27.toml'))!;
    expect(day).to.be.a('string');
    expect(stored[day]).to.equal('');
    expect(stored['resource-usage.toml']).to.equal('');
    // ...listed by the mirror, not held by it
    expect(remote.read.conversationDays('talker').map((d) => d.date)).to.deep.equal(['2026-11-27']);
    expect(remote.reader.agentFolders()).to.include('talker');
    expect(() => remote.read.conversation('talker', '2026-11-27')).to.throw(/not held by a process that reads the registry from Redis/);
    expect(() => remote.read.resourceSamples()).to.throw(/not held/);
  });

  it('waits for a writer that has never published, logs that it waits, and serves no reads until then', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const logs = new PassThrough();
    let logged = '';
    logs.on('data', (c: Buffer) => (logged += c.toString()));
    const elsewhere = context(prefix, absentFolder(), { 'worker.host_id': 'waiting-b' }, logs);
    const remote = createRegistryClient(elsewhere);
    let ready = false;
    void remote.ready().then(() => (ready = true));
    const starting = startTestWorker(elsewhere, { approvalSweep: false });
    let started = false;
    void starting.then(() => (started = true));

    await waitUntil(() => logged.includes('still waiting for the registry writer'), 10_000);
    // the API's health names the waiting host and says why the deployment is degraded
    const apiCtx = context(prefix);
    const api = await startApiServer(apiCtx);
    const health = async (): Promise<{ status: string; registry: { published: { sha: string } | null; waitingHosts: string[]; problem?: string } }> =>
      (await fetch(`${api.url}/api/system/health`, { headers: { authorization: `Bearer ${tokenFor('viewer')}` } })).json() as never;
    try {
      const before = await health();
      expect(before.status).to.equal('degraded');
      expect(before.registry.published).to.equal(null);
      expect(before.registry.waitingHosts).to.deep.equal(['waiting-b']);
      expect(before.registry.problem).to.include('never published');
    } finally {
      await api.close();
    }
    expect(() => remote.read.agents()).to.throw(RegistryNotPublishedError);
    expect(ready).to.equal(false);
    expect(started).to.equal(false);
    expect((await liveHosts(elsewhere.redis, elsewhere.keys)).map((h) => h.id)).to.not.include('waiting-b');

    const onWriter = context(prefix);
    writeFileSync(path.join(onWriter.config.registryDir, 'agents.toml'), '[agents.early]\nid = "early"\ncreated_at = "2026-11-28T00:00:00Z"\nlast_modified = "2026-11-28T00:00:00Z"\n');
    writer = await startRegistryWriter(onWriter, { watchTasks: false });
    const worker = await starting;
    try {
      expect(ready).to.equal(true);
      expect(Object.keys(remote.read.agents())).to.deep.equal(['early']);
      expect((await liveHosts(elsewhere.redis, elsewhere.keys)).map((h) => h.id)).to.include('waiting-b');
      expect(logged).to.include('registry read from Redis');
      expect(await hostsWaitingForRegistry(elsewhere.redis, elsewhere.keys, 60_000)).to.deep.equal([]);
    } finally {
      await worker.stop();
      await remote.close();
    }
  });

  it('the writer’s own process reads its folder even when told to read Redis (it would wait for itself)', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const ctx = context(prefix, undefined, { 'registry.reads': 'redis' });
    const worker = await startTestWorker(ctx, { registryWriter: { watchTasks: false }, approvalSweep: false });
    try {
      expect(registryClientFor(ctx).source).to.equal('folder');
      expect(await readPublication(ctx.redis, ctx.keys)).to.not.equal(undefined);
    } finally {
      await worker.stop();
    }
  });

  it('publishes no secret an old registry still keeps in system-config.toml', async () => {
    const prefix = uniquePrefix();
    prefixes.push(prefix);
    const onWriter = context(prefix);
    const secret = 'old-signing-key-0123456789-0123456789-abcdef';
    // a registry from before secrets moved out: the key is in the committed config file
    writeFileSync(path.join(onWriter.config.registryDir, 'system-config.toml'), `[auth]\njwt_secret = "${secret}"\n\n[approvals]\nrequire_second_person = true\n`);
    writer = await startRegistryWriter(onWriter, { watchTasks: false });
    // the writer leaves the file to `nox up`'s migration: it is committed as it is...
    expect(readFileSync(path.join(onWriter.config.registryDir, 'system-config.toml'), 'utf8')).to.include(secret);
    // ...and published without the value
    const stored = await onWriter.redis.hgetall(onWriter.keys.registryFiles());
    expect(stored['system-config.toml']).to.include('require_second_person = true');
    for (const text of Object.values(stored)) expect(text).to.not.include(secret);
    const remote = registryClientFor(context(prefix, absentFolder()));
    await remote.ready();
    expect((remote.toml(files.systemConfig()).approvals as Record<string, unknown>).require_second_person).to.equal(true);
  });
});
