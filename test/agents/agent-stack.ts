import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { startApiServer, type ApiServer } from '../../api/server.js';
import { readRuntime, type AgentRuntime } from '../../shared/agents/runtime-state.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { waitForRedis } from '../../shared/redis.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { DomainEvent, Role } from '../../shared/types.js';
import type { AgentHost } from '../../workers/agents/agent-host.js';
import { agentConfigDir } from '../../workers/agents/claude-cli/command-line.js';
import type { WorkerHost } from '../../workers/host.js';
import { startRegistryWriter } from '../../workers/registry/registry-writer.js';
import type { NoxWorker, NoxWorkerOptions } from '../../workers/worker-assembly.js';
import { testConfig, testContext, uniquePrefix, waitUntil, dropPrefix } from '../support/harness.js';
import { apiCaller } from '../support/api-caller.js';
import { FAKE_CLAUDE } from '../support/fake-claude.js';
import { startTestWorker } from '../support/test-worker.js';

export { FAKE_CLAUDE };

/**
 * A real API node and worker hosts running the stand-in agent program
 * (test/fixtures/fake-claude.mjs) through `agent.command`, each stack under its own Redis
 * prefix and registry folder. Hosts can be added, crashed (closed without stopping their
 * agents) and restarted to test adoption.
 */
export interface AgentTestHost {
  id: string;
  ctx: NoxContext;
  agents: AgentHost;
  host: WorkerHost;
  worker: NoxWorker;
}

/**
 * The hosts of this stack leave the approvals workflow out: the agents suites test the
 * agents runtime, whose requests (a spawn or deletion by an agent, a tool question) must
 * stay as stored unless a test adds a host that runs approvals
 * (test/approvals/gated-agent-host.ts, agent-request-host.ts), and whose stand-in tool
 * questions are answered by the agents' own permission rules.
 */
const WITHOUT_APPROVALS: NoxWorkerOptions = { approvals: false, approvalSweep: false, agentRequests: false, permissionGate: false };

export interface AgentStack {
  config: NoxConfig;
  apiCtx: NoxContext;
  api: ApiServer;
  hosts: AgentTestHost[];
  call(method: string, urlPath: string, options?: { role?: Role; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  /** call and parse JSON, asserting the status */
  json<T = Record<string, unknown>>(method: string, urlPath: string, status: number, options?: { role?: Role; token?: string; body?: unknown }): Promise<T>;
  addHost(overrides?: Record<string, unknown>): Promise<AgentTestHost>;
  /** closes a host's queues WITHOUT stopping its agents (a crash, as far as the agents can tell) */
  crashHost(h: AgentTestHost): Promise<void>;
  runtime(agentId: string): Promise<AgentRuntime | undefined>;
  waitStatus(agentId: string, status: string | string[], timeoutMs?: number): Promise<AgentRuntime>;
  /** events from the stream, oldest first */
  events(type?: string): Promise<DomainEvent[]>;
  createAgent(body: Record<string, unknown>): Promise<void>;
  startAgent(agentId: string): Promise<AgentRuntime>;
  turn(agentId: string, text: string): Promise<void>;
  /** waits for the n-th result of an agent (counting from 1) and returns its conversation entry */
  waitResult(agentId: string, n: number, timeoutMs?: number): Promise<{ text?: string; raw: Record<string, unknown> }>;
  cleanup(): Promise<void>;
}

export interface AgentStackOptions {
  overrides?: Record<string, unknown>;
  hosts?: number;
  hostOverrides?: Record<string, unknown>;
  /** roles the hosts run on top of the agents runtime, e.g. `{ mcp: true }` for MCP services (off by default, see startTestWorker) */
  worker?: NoxWorkerOptions;
}

export async function startAgentStack(options: AgentStackOptions = {}): Promise<AgentStack> {
  const prefix = uniquePrefix();
  const baseOverrides = {
    'agent.command': process.execPath,
    'agent.args': [FAKE_CLAUDE],
    'agent.stop_grace_ms': 1000,
    'agent.restart_backoff_ms': 100,
    'agent.conversation_flush_ms': 50,
    'agent.sampling_interval_ms': 60_000,
    'worker.concurrency': 8,
    ...options.overrides,
  };
  const config = testConfig({ prefix, overrides: baseOverrides });
  const apiCtx = testContext(config, 'api');
  await waitForRedis(apiCtx.redis);
  const writerCtx = testContext(config, 'worker');
  const writer = await startRegistryWriter(writerCtx, { watchTasks: false });
  const api = await startApiServer(apiCtx);
  const hosts: AgentTestHost[] = [];
  const closed = new Set<AgentTestHost>();

  const addHost = async (overrides: Record<string, unknown> = {}): Promise<AgentTestHost> => {
    const hostConfig = testConfig({
      prefix,
      registryDir: config.registryDir,
      // agents reach this stack's API (their tools server, and the probes of test/security)
      overrides: { ...baseOverrides, 'agent.api_url': api.url, 'worker.host_id': `h${hosts.length}-${randomBytes(2).toString('hex')}`, ...options.hostOverrides, ...overrides },
    });
    const ctx = testContext(hostConfig, 'worker');
    const worker = await startTestWorker(ctx, { ...WITHOUT_APPROVALS, ...options.worker });
    const h = { id: worker.id, ctx, agents: worker.agents, host: worker.host, worker };
    hosts.push(h);
    return h;
  };
  for (let i = 0; i < (options.hosts ?? 1); i++) await addHost();

  const { call, json } = apiCaller(api.url);
  const runtime = (agentId: string): Promise<AgentRuntime | undefined> => readRuntime(apiCtx.redis, apiCtx.keys, agentId);
  const waitStatus: AgentStack['waitStatus'] = async (agentId, status, timeoutMs = 10_000) => {
    const wanted = Array.isArray(status) ? status : [status];
    let last: AgentRuntime | undefined;
    try {
      await waitUntil(async () => {
        last = await runtime(agentId);
        return wanted.includes(last?.status ?? '');
      }, timeoutMs);
    } catch {
      throw new Error(`agent ${agentId} did not reach ${wanted.join('|')}; last: ${JSON.stringify(last)}`);
    }
    return last as AgentRuntime;
  };
  const events: AgentStack['events'] = async (type) => {
    const entries = await apiCtx.redis.xrange(apiCtx.keys.events(), '-', '+');
    const out: DomainEvent[] = [];
    for (const [id, fields] of entries) {
      const e = JSON.parse(fields[1] as string) as DomainEvent;
      if (!type || e.type === type) out.push({ ...e, id });
    }
    return out;
  };
  const stack: AgentStack = {
    config,
    apiCtx,
    api,
    hosts,
    call,
    json,
    addHost,
    async crashHost(h) {
      closed.add(h);
      // a killed host runs nothing more: no health checks, no delivery, no task loops
      h.agents.monitor?.stop();
      h.worker.messaging.deliverer?.stop();
      await h.worker.tasks.stop();
      // no beforeDeregister: the agents keep running, as after a kill -9 of the host
      await Promise.allSettled([...h.host.workers.values()].map((w) => w.close(true)));
      h.host.heartbeat.stop();
      h.host.peers.stop();
      await h.ctx.redis.del(h.ctx.keys.hostAlive(h.id));
      await h.agents.manager.conversation.stop();
      // a dead host writes nothing more: its supervisors stay in memory (their processes
      // must keep running) but lose Redis, as after a kill -9
      await h.ctx.close();
    },
    runtime,
    waitStatus,
    events,
    async createAgent(body) {
      await json('POST', '/api/agents', 201, { body });
    },
    async startAgent(agentId) {
      await json('POST', `/api/agents/${agentId}/start`, 202);
      return waitStatus(agentId, ['idle', 'over-budget']);
    },
    async turn(agentId, text) {
      await json('POST', `/api/agents/${agentId}/turn`, 202, { body: { text } });
    },
    async waitResult(agentId, n, timeoutMs = 10_000) {
      let found: { text?: string; raw: Record<string, unknown> } | undefined;
      await waitUntil(async () => {
        const page = await json<{ entries: { kind: string; text?: string; raw: Record<string, unknown> }[] }>('GET', `/api/agents/${agentId}/conversation?limit=1000`, 200);
        const results = page.entries.filter((e) => e.kind === 'result');
        found = results[n - 1];
        return found !== undefined;
      }, timeoutMs);
      return found as { text?: string; raw: Record<string, unknown> };
    },
    async cleanup() {
      for (const h of hosts) {
        if (!closed.has(h)) {
          await h.worker.stop();
        } else {
          // a crashed host's agents are still running: stop them the hard way
          for (const s of h.agents.manager.all()) await s.stop('test cleanup');
        }
      }
      await api.close();
      await writer.close();
      await dropPrefix(prefix);
      for (const h of hosts) await h.ctx.close();
      await writerCtx.close();
      await apiCtx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    },
  };
  return stack;
}

export function uniqueAgentId(base = 'a'): string {
  return `${base}-${randomBytes(3).toString('hex')}`;
}

/**
 * The stand-in CLI's login reaches its usage limit for `seconds` (its fake-limit.json in the
 * agent's config folder): every turn is refused until then. Returns the file; removing it is
 * the limit lifted early.
 */
export function limitTheLogin(config: NoxConfig, agentId: string, seconds: number): string {
  const file = path.join(agentConfigDir(config, agentId), 'fake-limit.json');
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, JSON.stringify({ resetsAt: Math.ceil(Date.now() / 1000) + seconds }));
  return file;
}
