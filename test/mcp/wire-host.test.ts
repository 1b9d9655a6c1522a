import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { MCP_JOB } from '../../shared/mcp/mcp-jobs.js';
import { MCP_HOST_JOB } from '../../workers/mcp/host-handlers.js';
import { wireMcpHost } from '../../workers/mcp/wire-host.js';
import { deletePrefix, testConfig, testContext } from '../support/harness.js';
import { testEngine } from './support/engine.js';

/** What `nox worker` gets from wireMcpHost, with and without an engine. */
describe('mcp wiring for a worker host', function () {
  this.timeout(60_000);

  it('with an engine: the mcp queue handlers, the host job, and a healthy report', async () => {
    const { dockerHost } = await testEngine();
    const ctx = testContext(testConfig({ overrides: { 'mcp.docker_host': dockerHost, 'mcp.reap_interval_ms': 3_600_000 } }), 'worker');
    const wired = await wireMcpHost(ctx, { hostId: `t-host-${randomBytes(4).toString('hex')}` });
    try {
      expect(Object.keys(wired.sharedQueues)).to.deep.equal(['mcp']);
      expect(Object.keys(wired.sharedQueues.mcp!).sort()).to.deep.equal([MCP_JOB.install, MCP_JOB.remove, MCP_JOB.import].sort());
      expect(Object.keys(wired.hostHandlers)).to.deep.equal([MCP_HOST_JOB.killAgentContainers]);
      const health = wired.health();
      expect(health.available).to.equal(true);
      expect(health.engine).to.match(/^(docker|podman) /);
      expect(health.reaperLastError, 'the default isAgentRunning (owner key) works before any agent exists').to.equal(undefined);
    } finally {
      await wired.stop();
      await deletePrefix(ctx.redis, ctx.config.redis.prefix);
      await ctx.close();
      rmSync(ctx.config.registryDir, { recursive: true, force: true });
    }
  });

  it('without an engine: no mcp queue (installs wait for a host that has one), the host job still answers, health says why', async () => {
    const sock = `unix:///tmp/nox-no-engine-${randomBytes(3).toString('hex')}.sock`;
    const ctx = testContext(testConfig({ overrides: { 'mcp.docker_host': sock } }), 'worker');
    const wired = await wireMcpHost(ctx, { hostId: `t-host-${randomBytes(4).toString('hex')}` });
    try {
      expect(wired.sharedQueues).to.deep.equal({});
      expect(Object.keys(wired.hostHandlers)).to.deep.equal([MCP_HOST_JOB.killAgentContainers]);
      const health = wired.health();
      expect(health.available).to.equal(false);
      expect(health.reason).to.include(sock);
    } finally {
      await wired.stop();
      await ctx.close();
      rmSync(ctx.config.registryDir, { recursive: true, force: true });
    }
  });
});
