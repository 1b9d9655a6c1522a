import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parseCatalog } from '../../shared/mcp/catalog.js';
import { listManagedContainers } from '../../workers/mcp/engine/containers.js';
import { agentMcpServers } from '../../workers/mcp/agent-mcp-servers.js';
import { NODE_MOUNT } from '../fixtures/mcp/build-image.js';
import { testConfig, waitUntil } from '../support/harness.js';
import { connectBridge } from './support/bridge-client.js';
import { removeAgentContainers, testEngine } from './support/engine.js';

/**
 * An agent's MCP servers from the catalog: the allowed services become bridge entries the
 * CLI can start; the rest are refused with a reason, without blocking the others.
 */
describe('mcp per agent: --mcp-config servers from the catalog', function () {
  this.timeout(60_000);

  it('gives the allowed services as bridge entries, refuses the others with a code, and the entry works', async () => {
    const { engine, dockerHost, image } = await testEngine();
    const hostId = `t-host-${randomBytes(4).toString('hex')}`;
    const catalog = parseCatalog(`
[services."echo.v1"]
image = "${image}"
agents = ["a-one"]
mounts = [{ source = "${NODE_MOUNT.source}", target = "/usr/bin/node" }]
[services."echo.v1".env]
API_TOKEN = { secret = "echo-token" }

[services.private]
image = "${image}"
agents = ["someone-else"]

[services.needs-secret]
image = "${image}"
agents = ["*"]
[services.needs-secret.env]
DB_PASSWORD = { secret = "db-password" }
`);
    const config = testConfig({ overrides: { 'mcp.docker_host': dockerHost, 'mcp.default_pids': 77 } });
    const secrets: Record<string, string> = { 'echo-token': 'tok-123' };
    const result = agentMcpServers({
      catalog,
      enabled: ['echo.v1', 'private', 'needs-secret', 'not-in-catalog'],
      agentId: 'a-one',
      hostId,
      mcp: config.mcp,
      secret: (name) => secrets[name],
    });

    expect(Object.keys(result.servers)).to.deep.equal(['echo_v1']);
    expect(result.hasSecrets).to.equal(true);
    expect(result.refused.map((r) => [r.service, r.code])).to.deep.equal([
      ['needs-secret', 'nox:mcp-secret-missing'],
      ['not-in-catalog', 'nox:mcp-service-not-found'],
      ['private', 'nox:mcp-service-not-allowed'],
    ]);
    const entry = result.servers.echo_v1!;
    expect(entry.type).to.equal('stdio');
    expect(entry.args.join(' '), 'no secret on the command line').to.not.include('tok-123');
    expect(entry.env.NOX_SECRET_ECHO_TOKEN).to.equal('tok-123');

    const session = await connectBridge(entry);
    try {
      const token = await session.client.callTool({ name: 'env', arguments: { name: 'API_TOKEN' } });
      expect(token.content).to.deep.equal([{ type: 'text', text: 'tok-123' }]);
      const [container] = await listManagedContainers(engine, { host: hostId, agent: 'a-one' });
      expect(container!.owner.service).to.equal('echo.v1');
      const info = await engine.docker.getContainer(container!.id).inspect();
      expect(info.HostConfig.PidsLimit, 'the [mcp] default fills the gap').to.equal(77);
      await session.client.close();
      await waitUntil(async () => (await listManagedContainers(engine, { host: hostId })).length === 0, 30_000, 200);
    } finally {
      await session.client.close().catch(() => undefined);
      await removeAgentContainers(engine, hostId);
      rmSync(config.registryDir, { recursive: true, force: true });
    }
  });
  it('with a secrets folder, writes secret values to a 0600 file the entry names (not its env), and the container still gets them', async () => {
    const { engine, dockerHost, image } = await testEngine();
    const hostId = `t-host-${randomBytes(4).toString('hex')}`;
    const catalog = parseCatalog(`
[services.echo]
image = "${image}"
agents = ["a-two"]
mounts = [{ source = "${NODE_MOUNT.source}", target = "/usr/bin/node" }]
[services.echo.env]
API_TOKEN = { secret = "echo-token" }
`);
    const config = testConfig({ overrides: { 'mcp.docker_host': dockerHost } });
    const secretsDir = path.join(config.registryDir, '.runtime', 'agents', 'a-two', 'mcp-secrets');
    const result = agentMcpServers({ catalog, enabled: ['echo'], agentId: 'a-two', hostId, mcp: config.mcp, secret: () => 'tok-456', secretsDir });
    const entry = result.servers.echo!;
    expect(JSON.stringify(entry), 'the value is in neither args nor env').to.not.include('tok-456');
    const file = entry.args[entry.args.indexOf('--secrets-file') + 1]!;
    expect(file.startsWith(secretsDir)).to.equal(true);
    expect(statSync(file).mode & 0o777).to.equal(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8'))).to.deep.equal({ NOX_SECRET_ECHO_TOKEN: 'tok-456' });

    const session = await connectBridge(entry);
    try {
      const token = await session.client.callTool({ name: 'env', arguments: { name: 'API_TOKEN' } });
      expect(token.content).to.deep.equal([{ type: 'text', text: 'tok-456' }]);
    } finally {
      await session.client.close().catch(() => undefined);
      await removeAgentContainers(engine, hostId);
      rmSync(config.registryDir, { recursive: true, force: true });
    }
  });
});
