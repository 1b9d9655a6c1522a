import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { buildContainerSpec } from '../../workers/mcp/engine/container-spec.js';
import { createContainer, listManagedContainers, startContainer } from '../../workers/mcp/engine/containers.js';
import { hasImage, removeImage } from '../../shared/mcp/images.js';
import type { InstallRecord } from '../../shared/mcp/install-requests.js';
import { processIdentity } from '../../workers/mcp/engine/process-identity.js';
import { runSpecSchema } from '../../shared/mcp/run-spec.js';
import { mintAgentToken } from '../../workers/host-credential/agent-token-source.js';
import { agentMcpConfig } from '../../workers/mcp/agent-mcp-config.js';
import { CLIENT_ENV } from '../../workers/mcp/endpoint/client-env.js';
import { agentTokenFile } from '../../workers/tools-server/mcp-entry.js';
import { NODE_MOUNT, testRootfsTar } from '../fixtures/mcp/build-image.js';
import { connectClient } from './support/endpoint-client.js';
import { testEngine } from './support/engine.js';
import { startMcpStack, waitUntil, type McpStack } from './support/mcp-stack.js';

/**
 * The MCP API and the `mcp` queue end to end, against the real engine, registry writer and
 * approvals workflow: installing waits for a person's approval, then the image is imported
 * and the service recorded in the catalog (a registry commit); enabling is refused for an
 * agent the service does not allow; removing deletes the record and stops the containers.
 */
describe('mcp API: install with approval, enable per agent, remove', function () {
  this.timeout(180_000);
  let stack: McpStack;
  let rootfsTar: string;
  const images: string[] = [];
  before(async () => {
    await testEngine();
    rootfsTar = await testRootfsTar();
    stack = await startMcpStack();
  });
  after(async () => {
    await stack?.cleanup();
    const { engine } = await testEngine();
    for (const ref of images) await removeImage(engine, ref).catch(() => undefined);
  });

  const newRef = (): string => {
    const ref = `localhost/nox-test-mcp-api:${randomBytes(3).toString('hex')}`;
    images.push(ref);
    return ref;
  };
  const installBody = (name: string, image: string, agents: string[]) => ({
    name,
    entry: { image, description: 'echo tools', agents, limits: { memory_mb: 64, pids: 32 }, mounts: [{ source: NODE_MOUNT.source, target: NODE_MOUNT.target }] },
    source: { tar: rootfsTar, changes: ['CMD ["/usr/bin/node", "/app/server.mjs"]'] },
  });
  const waitInstall = async (approvalId: string, status: string): Promise<InstallRecord> => {
    let last: InstallRecord | undefined;
    try {
      await waitUntil(async () => {
        last = await stack.json<InstallRecord>('GET', `/api/mcp/installs/${approvalId}`, 200, { role: 'viewer' });
        return last.status === status;
      }, 60_000, 200);
    } catch {
      throw new Error(`install ${approvalId} did not become ${status}; last: ${JSON.stringify(last)}`);
    }
    return last as InstallRecord;
  };

  it('installing needs an approval: pending (nothing imported, not in the catalog) until a person approves; then imported and recorded', async () => {
    const { engine } = await testEngine();
    const image = newRef();
    const body = installBody('echo', image, ['mcp-a1']);
    const enabledOutside = await stack.call('POST', '/api/mcp/services', { role: 'operator', body: { ...body, entry: { ...body.entry, enabled: { 'mcp-a2': true } } } });
    expect(enabledOutside.status, 'enabled must stay within agents').to.equal(400);
    expect(((await enabledOutside.json()) as { errors: { path: string }[] }).errors[0]?.path).to.equal('body.entry.enabled.mcp-a2');
    const viewer = await stack.call('POST', '/api/mcp/services', { role: 'viewer', body: installBody('echo', image, ['mcp-a1']) });
    expect(viewer.status, 'people read, operators act').to.equal(403);

    const record = await stack.json<InstallRecord>('POST', '/api/mcp/services', 202, { role: 'operator', body: installBody('echo', image, ['mcp-a1']) });
    expect(record).to.include({ name: 'echo', status: 'pending', requested_by: 'user:test-operator' });
    const approval = await stack.json<ApprovalRequest>('GET', `/api/approvals/${record.approval_id}`, 200);
    expect(approval).to.include({ request_type: 'install_mcp', risk_level: 'high', agent_id: 'mcp-a1' });
    expect(approval.description).to.contain(image);

    // high risk → a person decides; the watcher's sweep runs every 500 ms meanwhile
    await waitUntil(async () => (await stack.json<ApprovalRequest>('GET', `/api/approvals/${record.approval_id}`, 200)).expires_at !== undefined, 10_000);
    await new Promise((r) => setTimeout(r, 1200));
    expect((await stack.json<InstallRecord>('GET', `/api/mcp/installs/${record.approval_id}`, 200)).status).to.equal('pending');
    expect(await hasImage(engine, image), 'nothing is imported before the approval').to.equal(false);
    const listed = await stack.json<{ services: { name: string }[] }>('GET', '/api/mcp/services', 200, { role: 'viewer' });
    expect(listed.services.map((s) => s.name)).to.not.include('echo');

    await stack.json('POST', `/api/approvals/${record.approval_id}/approve`, 200, { role: 'admin', body: { reason: 'reviewed the image' } });
    const done = await waitInstall(record.approval_id, 'installed');
    expect(done.commit, 'recorded by a registry commit').to.match(/^[0-9a-f]{40}$/);
    expect(done.warnings?.join('\n')).to.match(/runs as root/);
    expect(await hasImage(engine, image)).to.equal(true);
    expect(stack.services().echo).to.include({ image, description: 'echo tools' });
    const after = await stack.json<{ services: { name: string; image: string; agents: string[] }[] }>('GET', '/api/mcp/services', 200, { role: 'viewer' });
    expect(after.services.find((s) => s.name === 'echo')).to.deep.include({ image, agents: ['mcp-a1'] });

    const again = await stack.call('POST', '/api/mcp/services', { role: 'operator', body: installBody('echo', image, ['mcp-a1']) });
    expect(again.status).to.equal(409);
    expect(((await again.json()) as { code: string }).code).to.equal('nox:mcp-service-exists');
  });

  it('a denied install imports nothing and records nothing', async () => {
    const { engine } = await testEngine();
    const image = newRef();
    const record = await stack.json<InstallRecord>('POST', '/api/mcp/services', 202, { role: 'admin', body: installBody('denied-svc', image, ['*']) });
    expect((await stack.json<ApprovalRequest>('GET', `/api/approvals/${record.approval_id}`, 200)).agent_id).to.equal('system');
    await waitUntil(async () => (await stack.json<ApprovalRequest>('GET', `/api/approvals/${record.approval_id}`, 200)).expires_at !== undefined, 10_000);
    await stack.json('POST', `/api/approvals/${record.approval_id}/deny`, 200, { role: 'operator', body: { reason: 'not from a tar' } });
    const denied = await waitInstall(record.approval_id, 'denied');
    expect(denied.error).to.match(/not from a tar/);
    expect(await hasImage(engine, image)).to.equal(false);
    expect(stack.services()['denied-svc']).to.equal(undefined);
  });

  it('an approved install whose tar the engine refuses settles as failed, with the code, and records nothing', async () => {
    const bad = path.join(stack.config.registryDir, 'not-an-image.tar');
    writeFileSync(bad, 'this is not a tar archive\n'.repeat(100));
    const body = { ...installBody('broken', newRef(), ['*']), source: { tar: bad } };
    const record = await stack.json<InstallRecord>('POST', '/api/mcp/services', 202, { role: 'operator', body });
    await waitUntil(async () => (await stack.json<ApprovalRequest>('GET', `/api/approvals/${record.approval_id}`, 200)).expires_at !== undefined, 10_000);
    await stack.json('POST', `/api/approvals/${record.approval_id}/approve`, 200, { role: 'admin', body: {} });
    const failed = await waitInstall(record.approval_id, 'failed');
    expect(failed.error).to.match(/^nox:mcp-image-import-failed: /);
    expect(stack.services().broken).to.equal(undefined);
  });

  it('enables a service for an allowed agent and refuses one the service does not allow (nox:mcp-service-not-allowed)', async () => {
    await stack.json('POST', '/api/agents', 201, { role: 'admin', body: { id: 'mcp-a1' } });
    await stack.json('POST', '/api/agents', 201, { role: 'admin', body: { id: 'mcp-a2' } });

    const refused = await stack.call('POST', '/api/agents/mcp-a2/mcp/echo', { role: 'operator' });
    expect(refused.status).to.equal(403);
    expect(refused.headers.get('content-type')).to.match(/^application\/problem\+json/);
    expect(((await refused.json()) as { code: string }).code).to.equal('nox:mcp-service-not-allowed');

    const unknown = await stack.call('POST', '/api/agents/mcp-a1/mcp/nope', { role: 'operator' });
    expect(unknown.status).to.equal(404);
    expect(((await unknown.json()) as { code: string }).code).to.equal('nox:mcp-service-not-found');
    expect((await stack.call('POST', '/api/agents/mcp-a1/mcp/echo', { role: 'viewer' })).status).to.equal(403);

    const on = await stack.json<{ enabled: string[]; allowed: string[]; changed: boolean }>('POST', '/api/agents/mcp-a1/mcp/echo', 200, { role: 'operator' });
    expect(on).to.deep.include({ enabled: ['echo'], allowed: ['echo'], changed: true });
    expect(stack.services().echo?.enabled).to.deep.equal({ 'mcp-a1': true });
    const twice = await stack.json<{ changed: boolean }>('POST', '/api/agents/mcp-a1/mcp/echo', 200, { role: 'operator' });
    expect(twice.changed, 'enabling twice is a no-op').to.equal(false);
    expect((await stack.json<{ enabled: string[] }>('GET', '/api/agents/mcp-a2/mcp', 200, { role: 'viewer' })).enabled).to.deep.equal([]);

    const off = await stack.json<{ enabled: string[]; changed: boolean }>('DELETE', '/api/agents/mcp-a1/mcp/echo', 200, { role: 'admin' });
    expect(off).to.deep.include({ enabled: [], changed: true });
    expect(stack.services().echo?.enabled ?? {}).to.deep.equal({});
    await stack.json('POST', '/api/agents/mcp-a1/mcp/echo', 200, { role: 'operator' });
  });

  it('an agent’s --mcp-config entries come from the catalog: its enabled, allowed services, as endpoints the host serves', async () => {
    const { engine } = await testEngine();
    const forA1 = agentMcpConfig(stack.hostCtx, 'mcp-a1', stack.hostId);
    try {
      expect(Object.keys(forA1.servers)).to.deep.equal(['echo']);
      expect(forA1.refused).to.deep.equal([]);
      expect(Object.keys(forA1.servers.echo!.env).sort(), 'a socket and a token file, nothing else').to.deep.equal([CLIENT_ENV.tokenFile, CLIENT_ENV.socket].sort());
      const forA2 = agentMcpConfig(stack.hostCtx, 'mcp-a2', stack.hostId);
      expect(forA2.servers, 'not enabled for a2').to.deep.equal({});
      await forA2.close();

      // what an agent start writes: its token, in its run folder
      const tokenFile = agentTokenFile(stack.config, 'mcp-a1');
      mkdirSync(path.dirname(tokenFile), { recursive: true });
      writeFileSync(tokenFile, `${mintAgentToken(stack.config, 'mcp-a1')}\n`, { mode: 0o600 });
      const session = await connectClient(forA1.servers.echo!);
      try {
        const sum = await session.client.callTool({ name: 'add', arguments: { a: 40, b: 2 } });
        expect(sum.content).to.deep.equal([{ type: 'text', text: '42' }]);
        const [container] = await listManagedContainers(engine, { host: stack.hostId, agent: 'mcp-a1' });
        expect(container?.owner.service).to.equal('echo');
      } finally {
        await session.client.close();
      }
      await waitUntil(async () => (await listManagedContainers(engine, { host: stack.hostId, agent: 'mcp-a1' })).length === 0, 30_000, 200);
    } finally {
      await forA1.close();
    }
  });

  it('removing stops the service’s containers and deletes its record', async () => {
    const { engine } = await testEngine();
    const image = String(stack.services().echo?.image);
    const spec = runSpecSchema.parse({
      agentId: 'mcp-a1', service: 'echo', hostId: stack.hostId, image, entrypoint: [], command: ['/bin/sleep', '300'],
      limits: { memoryMb: 64, cpus: 0.5, pids: 32 }, mounts: [NODE_MOUNT],
    });
    const id = await createContainer(engine, buildContainerSpec({ spec, owner: { process: processIdentity(), session: 'test' }, sourceEnv: {} }));
    await startContainer(engine, id);
    expect((await listManagedContainers(engine, { service: 'echo', host: stack.hostId })).map((c) => c.id)).to.include(id);

    expect((await stack.call('DELETE', '/api/mcp/services/echo', { role: 'viewer' })).status).to.equal(403);
    const queued = await stack.json<{ job_id: string }>('DELETE', '/api/mcp/services/echo', 202, { role: 'operator' });
    expect(queued.job_id).to.match(/^remove-echo-/);
    await waitUntil(async () => stack.services().echo === undefined && (await listManagedContainers(engine, { service: 'echo', host: stack.hostId })).length === 0, 60_000, 200);
    const listed = await stack.json<{ services: { name: string }[] }>('GET', '/api/mcp/services', 200, { role: 'viewer' });
    expect(listed.services.map((s) => s.name)).to.not.include('echo');
    const gone = await stack.call('DELETE', '/api/mcp/services/echo', { role: 'operator' });
    expect(gone.status).to.equal(404);
    expect(((await gone.json()) as { code: string }).code).to.equal('nox:mcp-service-not-found');
  });

  it('discovery lists local images and says the registry is unreachable instead of returning nothing', async () => {
    const found = await stack.json<{ local: { tags: string[] }[]; remote: { ok: boolean; reason?: string } }>('GET', '/api/mcp/discover?q=nox-test-mcp-echo', 200, { role: 'viewer' });
    expect(found.local.flatMap((i) => i.tags)).to.include('localhost/nox-test-mcp-echo:1');
    expect(found.remote.ok).to.equal(false);
    expect(found.remote.reason).to.be.a('string').and.not.equal('');
    const bad = await stack.call('GET', '/api/mcp/discover?q=x&extra=1', { role: 'viewer' });
    expect(bad.status).to.equal(400);
  });
});
