import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { McpServiceNotFoundError } from '../../shared/errors/mcp-errors.js';
import { createMcpCatalogStore } from '../../shared/mcp/catalog-store.js';
import { createRegistryClient } from '../../shared/registry/registry-client.js';
import { agentMcpServicesNow } from '../../workers/mcp/agent-mcp-config.js';
import { testConfig, testContext } from '../support/harness.js';

/**
 * Reading a hand-edited catalog: a broken entry is reported and left out, the others still
 * load; an `enabled` key for an agent the service does not allow is refused when the
 * agent's --mcp-config is built.
 */
describe('mcp catalog store: reads of a hand-edited mcp-services.toml', () => {
  it('loads the valid entries, reports the broken one, and refuses an agent the service does not allow', async () => {
    const config = testConfig();
    const ctx = testContext(config, 'worker');
    const registry = createRegistryClient(ctx, { sharedQueueEvents: false });
    try {
      writeFileSync(
        path.join(config.registryDir, 'mcp-services.toml'),
        `
[services.good]
image = "localhost/good:1"
agents = ["a1"]
[services.good.enabled]
a1 = true
a2 = true

[services.broken]
image = "localhost/broken:1"
agents = []

[services.leaky]
image = "localhost/leaky:1"
agents = ["*"]
[services.leaky.env]
API_TOKEN = "plain-text"
`,
      );
      const store = createMcpCatalogStore(registry);
      const view = store.read();
      expect(Object.keys(view.catalog.services)).to.deep.equal(['good']);
      expect(view.invalid.map((i) => i.service)).to.deep.equal(['broken', 'leaky']);
      expect(view.invalid[0]!.message).to.match(/agents: name at least one agent/);
      expect(view.invalid[1]!.message).to.match(/env\.API_TOKEN: looks like a credential/);
      expect(store.read(), 'parsed once per file version').to.equal(view);
      expect(() => store.get('broken')).to.throw(McpServiceNotFoundError);

      const forA1 = agentMcpServicesNow(ctx, store, 'a1', 'h1', {});
      expect(forA1.services.map((s) => s.server)).to.deep.equal(['good']);
      const forA2 = agentMcpServicesNow(ctx, store, 'a2', 'h1', {});
      expect(forA2.services).to.deep.equal([]);
      expect(forA2.refused).to.deep.equal([{ service: 'good', code: 'nox:mcp-service-not-allowed', reason: 'Agent a2 may not use MCP service good' }]);

      // a file that is not TOML at all: the agent still starts, without MCP services, and is told why
      writeFileSync(path.join(config.registryDir, 'mcp-services.toml'), '[services.good\nimage = ');
      const unreadable = agentMcpServicesNow(ctx, store, 'a1', 'h1', {});
      expect(unreadable.services).to.deep.equal([]);
      expect(unreadable.refused[0]).to.include({ service: '*', code: 'nox:registry-file-invalid' });
      expect(unreadable.refused[0]!.reason).to.match(/mcp-services\.toml/);
    } finally {
      await registry.close();
      await ctx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    }
  });
});
