import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { isNoxError } from '../../shared/errors/nox-error.js';
import { parseCatalog } from '../../shared/mcp/catalog.js';
import { createMcpCatalogStore } from '../../shared/mcp/catalog-store.js';
import { createRegistryClient } from '../../shared/registry/registry-client.js';
import { agentMcpConfig, resolveAgentSession } from '../../workers/mcp/agent-mcp-config.js';
import { agentMcpServices, type AgentService } from '../../workers/mcp/agent-mcp-servers.js';
import { registerMcpEndpointHost } from '../../workers/mcp/endpoint/agent-endpoints.js';
import { testConfig, testContext } from '../support/harness.js';

/**
 * An agent's MCP services from the catalog: the allowed services become run specs the host
 * serves; the rest are refused with a reason, without blocking the others. Secret values
 * are only looked up on the host, at each connection, and never leave it.
 */
describe('mcp per agent: services from the catalog, checked at start and at every connection', function () {
  this.timeout(30_000);
  const CATALOG = `
[services.echo-v1]
image = "localhost/echo:1"
agents = ["a-one"]
[services.echo-v1.env]
API_TOKEN = { secret = "echo-token" }
[services.echo-v1.enabled]
a-one = true

[services.private]
image = "localhost/echo:1"
agents = ["someone-else"]

[services.needs-secret]
image = "localhost/echo:1"
agents = ["*"]
[services.needs-secret.env]
DB_PASSWORD = { secret = "db-password" }
`;

  it('gives the allowed services as run specs, refuses the others with a code, and carries no secret value', () => {
    const config = testConfig({ overrides: { 'mcp.default_pids': 77 } });
    try {
      const result = agentMcpServices({
        catalog: parseCatalog(CATALOG),
        enabled: ['echo-v1', 'private', 'needs-secret', 'not-in-catalog'],
        agentId: 'a-one',
        hostId: 'h1',
        mcp: config.mcp,
        secret: (name) => ({ 'echo-token': 'tok-123' })[name],
      });
      expect(result.services.map((s) => [s.service, s.server])).to.deep.equal([['echo-v1', 'echo-v1']]);
      expect(result.services[0]!.secrets).to.deep.equal(['echo-token']);
      expect(result.services[0]!.spec.env).to.deep.equal({ API_TOKEN: { fromEnv: 'NOX_SECRET_ECHO_TOKEN' } });
      expect(result.services[0]!.spec.limits.pids, 'the [mcp] default fills the gap').to.equal(77);
      expect(result.refused.map((r) => [r.service, r.code])).to.deep.equal([
        ['needs-secret', 'nox:mcp-secret-missing'],
        ['not-in-catalog', 'nox:mcp-service-not-found'],
        ['private', 'nox:mcp-service-not-allowed'],
      ]);
      expect(JSON.stringify(result)).to.not.include('tok-123');
    } finally {
      rmSync(config.registryDir, { recursive: true, force: true });
    }
  });

  it('resolves a session at connection time: the secret from the host (env, then [mcp.secrets]); refused once disabled', async () => {
    const config = testConfig({ overrides: { 'mcp.secrets': { 'echo-token': 'tok-from-file' } } });
    const ctx = testContext(config, 'worker');
    const registry = createRegistryClient(ctx, { sharedQueueEvents: false });
    const catalog = createMcpCatalogStore(registry);
    const file = path.join(config.registryDir, 'mcp-services.toml');
    try {
      writeFileSync(file, CATALOG);
      const fromEnv = resolveAgentSession(ctx, catalog, 'a-one', 'h1', 'echo-v1', { NOX_SECRET_ECHO_TOKEN: 'tok-from-env' });
      expect(fromEnv.sourceEnv).to.deep.equal({ NOX_SECRET_ECHO_TOKEN: 'tok-from-env' });
      expect(fromEnv.spec).to.include({ agentId: 'a-one', service: 'echo-v1', hostId: 'h1', image: 'localhost/echo:1' });
      expect(resolveAgentSession(ctx, catalog, 'a-one', 'h1', 'echo-v1', {}).sourceEnv).to.deep.equal({ NOX_SECRET_ECHO_TOKEN: 'tok-from-file' });

      const code = (fn: () => unknown): string => {
        try {
          fn();
        } catch (err) {
          return isNoxError(err) ? err.code : String(err);
        }
        return 'no error';
      };
      expect(code(() => resolveAgentSession(ctx, catalog, 'a-one', 'h1', 'private', {}))).to.equal('nox:mcp-service-not-allowed');
      writeFileSync(file, CATALOG.replace('a-one = true', 'a-one = false'));
      expect(code(() => resolveAgentSession(ctx, catalog, 'a-one', 'h1', 'echo-v1', {})), 'disabled since the start').to.equal('nox:mcp-service-not-allowed');
      writeFileSync(file, '[services.x\n');
      expect(code(() => resolveAgentSession(ctx, catalog, 'a-one', 'h1', 'echo-v1', {})), 'a catalog that cannot be read').to.equal('nox:registry-file-invalid');
    } finally {
      await registry.close();
      await ctx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    }
  });

  it('opens the endpoints on this host’s endpoint host, or refuses every service when the host has no engine', async () => {
    const config = testConfig();
    const ctx = testContext(config, 'worker');
    try {
      writeFileSync(path.join(config.registryDir, 'mcp-services.toml'), '[services.echo-v1]\nimage = "localhost/echo:1"\nagents = ["a-one"]\n[services.echo-v1.enabled]\na-one = true\n');
      const off = agentMcpConfig(ctx, 'a-one', 'h1');
      expect(off.servers).to.deep.equal({});
      expect(off.refused).to.deep.equal([{ service: 'echo-v1', code: 'nox:engine-unavailable', reason: 'no container engine on this host: MCP services are off here' }]);

      const opened: Array<[string, readonly AgentService[]]> = [];
      const unregister = registerMcpEndpointHost(ctx, {
        open: (agentId, services) => {
          opened.push([agentId, services]);
          return { servers: {}, refused: [], close: async () => undefined };
        },
        sessionLive: () => false,
        close: async () => undefined,
      });
      agentMcpConfig(ctx, 'a-one', 'h1');
      unregister();
      expect(opened).to.have.length(1);
      expect(opened[0]![0]).to.equal('a-one');
      expect(opened[0]![1].map((s) => [s.service, s.server])).to.deep.equal([['echo-v1', 'echo-v1']]);
      expect(agentMcpConfig(ctx, 'a-one', 'h1').servers, 'unregistered: off again').to.deep.equal({});
    } finally {
      await ctx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    }
  });
});
