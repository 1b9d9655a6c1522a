import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { startApiServer, type ApiServer } from '../../../api/server.js';
import { readRuntime, type AgentRuntime } from '../../../shared/agents/runtime-state.js';
import type { NoxConfig } from '../../../shared/config/schema.js';
import { waitForRedis } from '../../../shared/redis.js';
import type { NoxContext } from '../../../shared/runtime/context.js';
import type { DomainEvent, Role } from '../../../shared/types.js';
import type { NoxWorker } from '../../../workers/worker-assembly.js';
import { startRegistryWriter, type RegistryWriter } from '../../../workers/registry/registry-writer.js';
import { FAKE_CLAUDE } from '../../agents/agent-stack.js';
import { testConfig, testContext, uniquePrefix, waitUntil, dropPrefix } from '../../support/harness.js';
import { apiCaller } from '../../support/api-caller.js';
import { startTestWorker } from '../../support/test-worker.js';
import { userTurnsOf } from '../../support/transcripts.js';

/**
 * A real API node, the registry writer (watching tasks/*.md) and worker hosts built as
 * `nox worker` builds them (test/support/test-worker.ts) that run the stand-in agents
 * (test/fixtures/fake-claude.mjs) — everything in this process, each stack under its own
 * Redis prefix and registry.
 */
export interface CollabHost extends NoxWorker {
  id: string;
  ctx: NoxContext;
}

export interface CollabStack {
  config: NoxConfig;
  apiCtx: NoxContext;
  api: ApiServer;
  writer: RegistryWriter;
  hosts: CollabHost[];
  call(method: string, urlPath: string, options?: { role?: Role; token?: string; body?: unknown }): Promise<Response>;
  json<T = Record<string, unknown>>(method: string, urlPath: string, status: number, options?: { role?: Role; token?: string; body?: unknown }): Promise<T>;
  createAgent(id: string, start?: boolean): Promise<void>;
  waitStatus(agentId: string, status: string | string[], timeoutMs?: number): Promise<AgentRuntime>;
  /** the user turns the stand-in agent recorded in its session transcript, in order */
  turnsOf(agentId: string): Promise<string[]>;
  waitTurns(agentId: string, n: number, timeoutMs?: number): Promise<string[]>;
  events(type?: string): Promise<DomainEvent[]>;
  cleanup(): Promise<void>;
}

export async function startCollabStack(options: { overrides?: Record<string, unknown>; hosts?: number } = {}): Promise<CollabStack> {
  const prefix = uniquePrefix();
  const overrides = {
    'agent.command': process.execPath,
    'agent.args': [FAKE_CLAUDE],
    'agent.stop_grace_ms': 1000,
    'agent.restart_backoff_ms': 100,
    'agent.conversation_flush_ms': 50,
    'agent.sampling_interval_ms': 60_000,
    'worker.concurrency': 16,
    'registry.flush_interval_ms': 200,
    'messages.sweep_interval_ms': 300,
    'tasks.deadline_check_ms': 200,
    ...options.overrides,
  };
  const config = testConfig({ prefix, overrides });
  const apiCtx = testContext(config, 'api');
  await waitForRedis(apiCtx.redis);
  const writerCtx = testContext(config, 'worker');
  const writer = await startRegistryWriter(writerCtx);
  const api = await startApiServer(apiCtx);
  const hosts: CollabHost[] = [];

  for (let i = 0; i < (options.hosts ?? 1); i++) {
    const hostConfig = testConfig({ prefix, registryDir: config.registryDir, overrides: { 'agent.api_url': api.url, ...overrides, 'worker.host_id': `h${i}-${randomBytes(2).toString('hex')}` } });
    const ctx = testContext(hostConfig, 'worker');
    const worker = await startTestWorker(ctx);
    hosts.push({ ...worker, ctx });
  }

  const { call, json } = apiCaller(api.url);
  const waitStatus: CollabStack['waitStatus'] = async (agentId, status, timeoutMs = 10_000) => {
    const wanted = Array.isArray(status) ? status : [status];
    let last: AgentRuntime | undefined;
    await waitUntil(async () => {
      last = await readRuntime(apiCtx.redis, apiCtx.keys, agentId);
      return wanted.includes(last?.status ?? '');
    }, timeoutMs).catch(() => {
      throw new Error(`agent ${agentId} did not reach ${wanted.join('|')}; last: ${JSON.stringify(last)}`);
    });
    return last as AgentRuntime;
  };
  const turnsOf: CollabStack['turnsOf'] = (agentId) => userTurnsOf(config, apiCtx, agentId);

  return {
    config,
    apiCtx,
    api,
    writer,
    hosts,
    call,
    json,
    async createAgent(id, start = true) {
      await json('POST', '/api/agents', 201, { body: { id } });
      if (start) {
        await json('POST', `/api/agents/${id}/start`, 202);
        await waitStatus(id, 'idle');
      }
    },
    waitStatus,
    turnsOf,
    async waitTurns(agentId, n, timeoutMs = 10_000) {
      let turns: string[] = [];
      await waitUntil(async () => {
        turns = await turnsOf(agentId);
        return turns.length >= n;
      }, timeoutMs).catch(() => {
        throw new Error(`agent ${agentId} has ${turns.length} turns, wanted ${n}: ${JSON.stringify(turns).slice(0, 2000)}`);
      });
      return turns;
    },
    async events(type) {
      const entries = await apiCtx.redis.xrange(apiCtx.keys.events(), '-', '+');
      return entries
        .map(([id, fields]) => ({ ...(JSON.parse(fields[1] as string) as DomainEvent), id }))
        .filter((e) => !type || e.type === type);
    },
    async cleanup() {
      for (const h of hosts) await h.stop();
      await api.close();
      await writer.close();
      await dropPrefix(prefix);
      for (const h of hosts) await h.ctx.close();
      await writerCtx.close();
      await apiCtx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    },
  };
}
