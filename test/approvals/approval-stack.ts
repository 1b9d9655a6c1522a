import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { startApiServer, type ApiServer } from '../../api/server.js';
import { newApprovalRequest, type ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { closeApprovals } from '../../shared/approvals/approvals.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { waitForRedis } from '../../shared/redis.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { PeriodicTask } from '../../workers/runtime/periodic-task.js';
import type { DomainEvent, Role } from '../../shared/types.js';
import type { WorkerHost } from '../../workers/host.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import type { NoxWorker } from '../../workers/worker-assembly.js';
import { testConfig, testContext, waitUntil, dropPrefix } from '../support/harness.js';
import { apiCaller } from '../support/api-caller.js';
import { startTestWorker } from '../support/test-worker.js';

/** waits for a condition; generous by default because helpers share a busy machine (a limit, not a measurement) */
export const WAIT_MS = 30_000;

/** A high-risk tool use (`git push`) that the default policy escalates to a person. */
export const riskyToolUse = (agentId: string): ApprovalRequest =>
  newApprovalRequest({
    agent_id: agentId,
    request_type: 'tool_use',
    description: 'Bash git push',
    risk_level: 'high',
    requested_by: `agent:${agentId}`,
    details: { tool: 'Bash', input: { command: 'git push' } },
  });
export function until(check: () => Promise<boolean> | boolean, timeoutMs = WAIT_MS): Promise<void> {
  return waitUntil(check, timeoutMs);
}

/**
 * A real API node, the registry writer and a worker host built as `nox worker` builds it
 * (test/support/test-worker.ts: the `approvals` queue, the sweep, ...), on a fresh key
 * prefix and registry folder. No agent runs: the tests that need agents build on
 * test/agents/agent-stack.ts.
 */
export interface ApprovalStack {
  config: NoxConfig;
  apiCtx: NoxContext;
  hostCtx: NoxContext;
  api: ApiServer;
  worker: NoxWorker;
  host: WorkerHost;
  writer: RegistryWriter;
  sweep: PeriodicTask<unknown>;
  call(method: string, urlPath: string, options?: { role?: Role; token?: string; body?: unknown }): Promise<Response>;
  json<T = Record<string, unknown>>(method: string, urlPath: string, status: number, options?: { role?: Role; token?: string; body?: unknown }): Promise<T>;
  events(type?: string): Promise<DomainEvent[]>;
  /** waits for the approval to reach a status (through the API) */
  waitStatus(id: string, status: string, timeoutMs?: number): Promise<ApprovalRequest>;
  /** approval-history.toml `decisions`, once a line for `id` is there */
  waitHistory(id: string, timeoutMs?: number): Promise<Record<string, unknown>>;
  /** system-config.toml as the registry holds it */
  systemConfig(): Record<string, unknown>;
  cleanup(): Promise<void>;
}

export async function startApprovalStack(options: { overrides?: Record<string, unknown> } = {}): Promise<ApprovalStack> {
  const config = testConfig({ overrides: { 'registry.flush_interval_ms': 200, 'approvals.sweep_interval_ms': 500, ...options.overrides } });
  const apiCtx = testContext(config, 'api');
  await waitForRedis(apiCtx.redis);
  const writerCtx = testContext(config, 'worker');
  const hostCtx = testContext(config, 'worker');
  const writer = await startRegistryWriter(writerCtx, { watchTasks: false });
  const api = await startApiServer(apiCtx);
  const worker = await startTestWorker(hostCtx);
  const sweep = worker.approvalSweep!;

  const { call, json } = apiCaller(api.url);
  const readToml = (file: string): Record<string, unknown> => {
    const abs = path.join(config.registryDir, file);
    return existsSync(abs) ? (parseToml(readFileSync(abs, 'utf8')) as Record<string, unknown>) : {};
  };

  return {
    config,
    apiCtx,
    hostCtx,
    api,
    worker,
    host: worker.host,
    writer,
    sweep,
    call,
    json,
    async events(type) {
      const entries = await apiCtx.redis.xrange(apiCtx.keys.events(), '-', '+');
      return entries.map(([id, f]) => ({ ...(JSON.parse(f[1] as string) as DomainEvent), id })).filter((e) => !type || e.type === type);
    },
    async waitStatus(id, status, timeoutMs = WAIT_MS) {
      let last: ApprovalRequest | undefined;
      try {
        await waitUntil(async () => {
          const res = await call('GET', `/api/approvals/${id}`);
          last = res.status === 200 ? ((await res.json()) as ApprovalRequest) : undefined;
          return last?.status === status;
        }, timeoutMs);
      } catch {
        throw new Error(`approval ${id} did not become ${status}; last: ${JSON.stringify(last)}`);
      }
      return last as ApprovalRequest;
    },
    async waitHistory(id, timeoutMs = WAIT_MS) {
      let line: Record<string, unknown> | undefined;
      await waitUntil(() => {
        const decisions = (readToml('approval-history.toml').decisions ?? []) as Record<string, unknown>[];
        line = decisions.find((d) => d.id === id);
        return line !== undefined;
      }, timeoutMs);
      return line as Record<string, unknown>;
    },
    systemConfig: () => readToml('system-config.toml'),
    async cleanup() {
      await worker.stop(); // closes hostCtx's approvals too
      await api.close();
      await writer.close();
      await closeApprovals(apiCtx);
      await dropPrefix(config.redis.prefix);
      await hostCtx.close();
      await writerCtx.close();
      await apiCtx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    },
  };
}

/**
 * A local HTTP server standing in for a Slack incoming webhook: records every JSON body
 * (with `_at`, epoch ms) and answers `status`, or 500 to the first `failFirst` POSTs.
 */
export interface WebhookReceiver {
  url: string;
  bodies: Record<string, unknown>[];
  close(): Promise<void>;
}

export async function startWebhookReceiver(status = 200, options: { failFirst?: number } = {}): Promise<WebhookReceiver> {
  const bodies: Record<string, unknown>[] = [];
  let seen = 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        bodies.push({ ...(JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>), _contentType: req.headers['content-type'], _method: req.method, _at: Date.now() });
      } catch {
        bodies.push({ _invalid: Buffer.concat(chunks).toString('utf8') });
      }
      seen++;
      res.writeHead(seen <= (options.failFirst ?? 0) ? 500 : status, { 'content-type': 'text/plain' }).end('ok');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/T000/B000/XXXX`,
    bodies,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
