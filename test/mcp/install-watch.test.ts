import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { expect } from 'chai';
import { startApiServer } from '../../api/server.js';
import type { ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import { hasImage, removeImage } from '../../shared/mcp/images.js';
import type { InstallRecord } from '../../shared/mcp/install-requests.js';
import { waitForRedis } from '../../shared/redis.js';
import { startRegistryWriter } from '../../workers/registry/registry-writer.js';
import { testRootfsTar } from '../fixtures/mcp/build-image.js';
import { testConfig, testContext, tokenFor, waitUntil, dropPrefix } from '../support/harness.js';
import { startTestWorker } from '../support/test-worker.js';
import { removeAgentContainers, testEngine } from './support/engine.js';

/**
 * An install approved while no host with an engine was running: its `approval.decided`
 * event went by unseen. The host that starts later finds the open request in its sweep and
 * installs it — a decision is never lost to timing.
 */
describe('mcp install watch: a decision made while no MCP host ran is installed when one starts', function () {
  this.timeout(120_000);
  const image = `localhost/nox-test-mcp-watch:${randomBytes(3).toString('hex')}`;
  const cleanups: (() => Promise<void>)[] = [];
  after(async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
    const { engine } = await testEngine();
    await removeImage(engine, image).catch(() => undefined);
  });

  it('the sweep picks up the approved request and installs it', async () => {
    const { engine, dockerHost } = await testEngine();
    const prefix = `{t-${randomBytes(5).toString('hex')}}`;
    const base = testConfig({ prefix, overrides: { 'mcp.docker_host': dockerHost, 'worker.host_id': `t-appr-${randomBytes(3).toString('hex')}` } });
    const mcpHostId = `t-mcpw-${randomBytes(3).toString('hex')}`;
    const mcpConfig = testConfig({ prefix, registryDir: base.registryDir, overrides: { 'mcp.docker_host': dockerHost, 'worker.host_id': mcpHostId } });
    const apiCtx = testContext(base, 'api');
    const writerCtx = testContext(base, 'worker');
    const approvalsCtx = testContext(base, 'worker');
    const mcpCtx = testContext(mcpConfig, 'worker');
    await waitForRedis(apiCtx.redis);
    cleanups.push(async () => {
      await dropPrefix(prefix);
      for (const c of [mcpCtx, approvalsCtx, writerCtx, apiCtx]) await c.close();
      rmSync(base.registryDir, { recursive: true, force: true });
    });
    const writer = await startRegistryWriter(writerCtx, { watchTasks: false });
    cleanups.push(() => writer.close());
    const api = await startApiServer(apiCtx);
    cleanups.push(async () => {
      await api.close();
      await closeApprovals(apiCtx);
    });
    // a host without MCP services (as one whose engine does not answer): it decides, nobody installs
    const approvalsHost = await startTestWorker(approvalsCtx, { mcp: false });
    cleanups.push(() => approvalsHost.stop());
    const call = async <T>(method: string, urlPath: string, status: number, body?: unknown): Promise<T> => {
      const res = await fetch(`${api.url}${urlPath}`, {
        method,
        headers: { authorization: `Bearer ${tokenFor('admin')}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      expect(res.status, text).to.equal(status);
      return JSON.parse(text) as T;
    };

    const record = await call<InstallRecord>('POST', '/api/mcp/services', 202, {
      name: 'late',
      entry: { image, agents: ['*'] },
      source: { tar: await testRootfsTar(), changes: ['CMD ["/usr/bin/node", "/app/server.mjs"]'] },
    });
    await waitUntil(async () => (await call<ApprovalRequest>('GET', `/api/approvals/${record.approval_id}`, 200)).expires_at !== undefined, 10_000);
    await call('POST', `/api/approvals/${record.approval_id}/approve`, 200, { reason: 'ok' });
    expect((await call<InstallRecord>('GET', `/api/mcp/installs/${record.approval_id}`, 200)).status, 'no MCP host yet').to.equal('pending');

    const mcpHost = await startTestWorker(mcpCtx, { mcp: { installSweepIntervalMs: 300 } });
    cleanups.push(async () => {
      await mcpHost.stop();
      await removeAgentContainers(engine, mcpHostId);
    });
    await waitUntil(async () => (await call<InstallRecord>('GET', `/api/mcp/installs/${record.approval_id}`, 200)).status === 'installed', 60_000, 200);
    expect(await hasImage(engine, image)).to.equal(true);
    const listed = await call<{ services: { name: string; image: string }[] }>('GET', '/api/mcp/services', 200);
    expect(listed.services.find((s) => s.name === 'late')?.image).to.equal(image);
  });
});
