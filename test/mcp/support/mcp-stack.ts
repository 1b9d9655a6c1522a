import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { expect } from 'chai';
import { parse as parseToml } from 'smol-toml';
import { startApiServer, type ApiServer } from '../../../api/server.js';
import { closeApprovals } from '../../../shared/approvals/approvals.js';
import type { NoxConfig } from '../../../shared/config/schema.js';
import { waitForRedis } from '../../../shared/redis.js';
import type { NoxContext } from '../../../shared/runtime/context.js';
import type { Role } from '../../../shared/types.js';
import type { WorkerHost } from '../../../workers/host.js';
import type { WiredMcpHost } from '../../../workers/mcp/wire-host.js';
import { startRegistryWriter, type RegistryWriter } from '../../../workers/registry/registry-writer.js';
import { testConfig, testContext, waitUntil, dropPrefix } from '../../support/harness.js';
import { startTestWorker } from '../../support/test-worker.js';
import { NODE_MOUNT } from '../../fixtures/mcp/build-image.js';
import { removeAgentContainers, testEngine } from './engine.js';
import { apiCaller } from '../../support/api-caller.js';

/**
 * A real API node, the registry writer and a worker host built as `nox worker` builds it,
 * MCP services included (wireMcpHost: the `mcp` queue, the install watcher, the container
 * watcher, the host job), next to the `approvals` queue — on a fresh key prefix, registry
 * folder and host id, against the real engine. The container watcher takes every agent
 * for running, so it never reaps a test's containers.
 */
export interface McpStack {
  config: NoxConfig;
  apiCtx: NoxContext;
  hostCtx: NoxContext;
  hostId: string;
  api: ApiServer;
  host: WorkerHost;
  mcp: WiredMcpHost;
  call(method: string, urlPath: string, options?: { role?: Role; token?: string; body?: unknown }): Promise<Response>;
  json<T = Record<string, unknown>>(method: string, urlPath: string, status: number, options?: { role?: Role; token?: string; body?: unknown }): Promise<T>;
  /** mcp-services.toml `services`, as the registry holds it */
  services(): Record<string, Record<string, unknown>>;
  cleanup(): Promise<void>;
}

export async function startMcpStack(options: { overrides?: Record<string, unknown> } = {}): Promise<McpStack> {
  const { dockerHost } = await testEngine();
  const hostId = `t-mcp-${randomBytes(4).toString('hex')}`;
  const config = testConfig({
    // the test image runs the host's node binary, bind-mounted: the one mount the policy allows here
    overrides: { 'worker.host_id': hostId, 'mcp.docker_host': dockerHost, 'mcp.stop_timeout_s': 1, 'registry.flush_interval_ms': 200, 'agent.store': 'registry', 'mcp.mount_allow': [NODE_MOUNT.source], ...options.overrides },
  });
  const apiCtx = testContext(config, 'api');
  await waitForRedis(apiCtx.redis);
  const writerCtx = testContext(config, 'worker');
  const hostCtx = testContext(config, 'worker');
  const writer: RegistryWriter = await startRegistryWriter(writerCtx, { watchTasks: false });
  const api = await startApiServer(apiCtx);
  const worker = await startTestWorker(hostCtx, { mcp: { isAgentRunning: () => true, installSweepIntervalMs: 500 } });
  const { host } = worker;
  const mcp = worker.mcp!;
  expect(mcp.health().available, JSON.stringify(mcp.health())).to.equal(true);

  const { call, json } = apiCaller(api.url);
  return {
    config,
    apiCtx,
    hostCtx,
    hostId,
    api,
    host,
    mcp,
    call,
    json,
    services() {
      const file = path.join(config.registryDir, 'mcp-services.toml');
      return existsSync(file) ? (((parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>).services ?? {}) as Record<string, Record<string, unknown>>) : {};
    },
    async cleanup() {
      await worker.stop();
      await api.close();
      await writer.close();
      await closeApprovals(apiCtx);
      const { engine } = await testEngine();
      await removeAgentContainers(engine, hostId);
      await dropPrefix(config.redis.prefix);
      await hostCtx.close();
      await writerCtx.close();
      await apiCtx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    },
  };
}

export { waitUntil };
