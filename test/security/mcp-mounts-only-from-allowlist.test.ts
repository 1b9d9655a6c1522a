import { expect } from 'chai';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { McpMountNotAllowedError } from '../../shared/errors/mcp-errors.js';
import { mcpCatalogFor } from '../../shared/mcp/catalog-store.js';
import { runSpecSchema } from '../../shared/mcp/run-spec.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import { files } from '../../shared/registry/layout.js';
import { agentMcpServicesNow } from '../../workers/mcp/agent-mcp-config.js';
import { buildContainerSpec } from '../../workers/mcp/engine/container-spec.js';
import { startApprovalStack, type ApprovalStack } from '../approvals/approval-stack.js';
import { refusal } from './principals-fixture.js';

/**
 * An MCP service container bind-mounts host folders only from `mcp.mount_allow`, and never
 * the container engine's socket, a system folder, the registry or the secrets (nor a folder
 * holding one, nor a link to one). An install that asks for such a mount is refused before
 * anyone is asked to approve it; one inside the allowlist is shown to the approver with its
 * mounts, user and command. A hand-edited catalog entry never reaches an agent, and the
 * container spec refuses an engine socket whatever its run spec says.
 */
describe('security: MCP service mounts come only from the allowlist, never the engine socket', function () {
  this.timeout(60_000);
  let stack: ApprovalStack;
  let allowed: string;
  const entry = (mounts: { source: string; target: string; read_only?: boolean }[]) => ({ image: 'localhost/tools:1', agents: ['m-agent'], mounts, user: '1000:1000', command: ['serve', '--stdio'] });
  const install = (name: string, mounts: { source: string; target: string; read_only?: boolean }[]) =>
    stack.call('POST', '/api/mcp/services', { role: 'operator', body: { name, entry: entry(mounts), source: { pull: true } } });
  const installApprovals = async (): Promise<number> => (await stack.json<{ total: number }>('GET', '/api/approvals?type=install_mcp', 200)).total;

  before(async () => {
    allowed = mkdtempSync(path.join(tmpdir(), 'nox-mount-allow-'));
    mkdirSync(path.join(allowed, 'data'));
    symlinkSync('/var/run', path.join(allowed, 'run-link'));
    // the whole temp folder is allowed: the registry inside it must still be refused
    stack = await startApprovalStack({ overrides: { 'mcp.mount_allow': [tmpdir()] } });
  });
  after(async () => {
    await stack.cleanup();
    rmSync(allowed, { recursive: true, force: true });
  });

  it('an install mounting an engine socket, a system folder, the registry, a link to /var/run or a path outside the allowlist is 403, and no approval is asked', async () => {
    const before = await installApprovals();
    const attempts: [string, string][] = [
      ['docker', '/var/run/docker.sock'],
      ['podman', '/run/podman/podman.sock'],
      ['sock-in-allowed', path.join(allowed, 'data', 'docker.sock')],
      ['proc', '/proc'],
      ['root', '/'],
      ['var', '/var'],
      ['registry', stack.config.registryDir],
      ['secrets', path.dirname(stack.config.secretsFile)],
      ['link', path.join(allowed, 'run-link')],
      ['outside', '/srv/elsewhere'],
      ['dotdot', `${allowed}/../../etc`],
    ];
    for (const [name, source] of attempts) {
      const res = await install(name, [{ source, target: '/data' }]);
      const body = (await res.clone().json()) as { mounts?: { source: string; reason: string }[] };
      expect(await refusal(res), `${name}: ${source}`).to.deep.equal({ status: 403, code: 'nox:mcp-mount-not-allowed' });
      expect(body.mounts?.[0]?.source).to.equal(source);
    }
    expect(await installApprovals(), 'nobody was asked').to.equal(before);
  });

  it('an install inside the allowlist waits for a person, and its approval shows the mount, the user and the command', async () => {
    const source = path.join(allowed, 'data');
    const record = await stack.json<{ approval_id: string }>('POST', '/api/mcp/services', 202, { role: 'operator', body: { name: 'reports', entry: entry([{ source, target: '/data', read_only: false }]), source: { pull: true } } });
    const approval = await stack.json<ApprovalRequest>('GET', `/api/approvals/${record.approval_id}`, 200, { role: 'viewer' });
    expect(approval.request_type).to.equal('install_mcp');
    expect(approval.details.input).to.deep.include({ user: '1000:1000', command: ['serve', '--stdio'], mounts: [{ source, target: '/data', read_only: false }] });
    expect(approval.description).to.include(`${source} → /data (read-write)`).and.include('serve --stdio').and.include('1000:1000');
  });

  it('a hand-edited catalog entry with the engine socket is listed as invalid and never given to an agent', async () => {
    await registryClientFor(stack.apiCtx).change(
      {
        message: 'a hand edit',
        changes: [
          { op: 'set', file: files.mcpServices(), key: ['services', 'sneaky'], value: { ...entry([{ source: '/var/run/docker.sock', target: '/sock' }]), agents: ['*'], enabled: { 'm-agent': true } } },
          // the same entry without the mount: the agent gets it, so the check below can see a refusal
          { op: 'set', file: files.mcpServices(), key: ['services', 'plain'], value: { ...entry([]), agents: ['*'], enabled: { 'm-agent': true } } },
        ],
      },
      'user:mallory',
    );
    const listed = await stack.json<{ services: { name: string }[]; invalid: { service: string; message: string }[] }>('GET', '/api/mcp/services', 200);
    expect(listed.services.map((s) => s.name)).to.not.include('sneaky');
    expect(listed.invalid.find((i) => i.service === 'sneaky')?.message).to.include('/var/run/docker.sock');
    const forAgent = agentMcpServicesNow(stack.hostCtx, mcpCatalogFor(stack.hostCtx), 'm-agent', 'h1');
    expect(forAgent.services.map((s) => s.service)).to.include('plain').and.not.include('sneaky');
  });

  it('the container spec refuses an engine socket, or a link to one, whatever its run spec says', () => {
    const spec = (source: string) =>
      runSpecSchema.parse({ agentId: 'm-agent', service: 'x', hostId: 'h1', image: 'i', limits: { memoryMb: 64, cpus: 0.5, pids: 32 }, mounts: [{ source, target: '/x' }] });
    for (const source of ['/var/run/docker.sock', '/run/user/1000/podman/podman.sock', path.join(allowed, 'run-link'), '/']) {
      expect(() => buildContainerSpec({ spec: spec(source), owner: { process: '1:1', session: 's1' }, sourceEnv: {} }), source).to.throw(McpMountNotAllowedError);
    }
    expect(buildContainerSpec({ spec: spec(path.join(allowed, 'data')), owner: { process: '1:1', session: 's1' }, sourceEnv: {} }).HostConfig?.Binds).to.deep.equal([`${path.join(allowed, 'data')}:/x:ro`]);
  });
});
