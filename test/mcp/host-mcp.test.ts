import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { startHostMcp } from '../../workers/mcp/host-mcp.js';
import { deletePrefix, testConfig, testContext } from '../support/harness.js';
import { testEngine } from './support/engine.js';

describe('mcp on a worker host: engine from config', function () {
  this.timeout(60_000);

  it('starts the watcher on the engine named by mcp.docker_host', async () => {
    const { dockerHost } = await testEngine();
    const ctx = testContext(testConfig({ overrides: { 'mcp.docker_host': dockerHost, 'mcp.reap_interval_ms': 3_600_000 } }), 'worker');
    const mcp = await startHostMcp(ctx, { hostId: `t-host-${randomBytes(4).toString('hex')}`, isAgentRunning: () => false });
    try {
      expect(mcp.available).to.equal(true);
      if (!mcp.available) return;
      expect(mcp.engineName).to.match(/^(docker|podman) /);
      expect(mcp.watcher.reaper.lastRunAt, 'reaped once at boot').to.be.a('number');
      expect(mcp.watcher.reaper.lastError).to.equal(undefined);
    } finally {
      await mcp.stop();
      await deletePrefix(ctx.redis, ctx.config.redis.prefix);
      await ctx.close();
      rmSync(ctx.config.registryDir, { recursive: true, force: true });
    }
  });

  it('reports MCP as unavailable, with the reason, when the engine does not answer', async () => {
    const sock = `unix:///tmp/nox-no-engine-${randomBytes(3).toString('hex')}.sock`;
    const ctx = testContext(testConfig({ overrides: { 'mcp.docker_host': sock } }), 'worker');
    const mcp = await startHostMcp(ctx, { hostId: `t-host-${randomBytes(4).toString('hex')}`, isAgentRunning: () => false });
    try {
      expect(mcp.available).to.equal(false);
      if (mcp.available) return;
      expect(mcp.reason).to.include(sock).and.match(/does not answer/);
    } finally {
      await mcp.stop();
      await ctx.close();
      rmSync(ctx.config.registryDir, { recursive: true, force: true });
    }
  });
});
