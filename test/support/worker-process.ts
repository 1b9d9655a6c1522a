import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { startApiServer, type ApiServer } from '../../api/server.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { waitForRedis } from '../../shared/redis.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { selfCommand } from '../../shared/runtime/self-command.js';
import { dropPrefix, redisUrl, testConfig, testContext, testSecretsFile, uniquePrefix, waitUntil } from './harness.js';

/**
 * A worker host (what `nox worker` runs but the registry writer and MCP:
 * test/messages/support/worker-child.ts) in a child process a test can SIGKILL, on the
 * stack's Redis prefix and registry. Heartbeats every 200 ms with a 1 s TTL, so a killed
 * one is seen dead within about a second. Resolves once it takes jobs.
 */
export async function startWorkerProcess(config: NoxConfig, overrides: Record<string, unknown>, machine: WorkerMachine = {}): Promise<ChildProcess> {
  const cmd = selfCommand('test/messages/support/worker-child');
  const settings = { 'agent.workspace_root': config.agent.workspace_root, 'agent.sandbox_read': config.agent.sandbox_read, 'registry.reads': config.registry.reads, ...overrides, 'redis.url': config.redis.url, 'redis.prefix': config.redis.prefix, 'auth.jwt_secret': config.auth.jwt_secret, 'log.level': 'warn', 'worker.heartbeat_interval_ms': 200, 'worker.heartbeat_ttl_ms': 1000, 'api.port': 0 };
  const registryDir = machine.registryDir ?? config.registryDir;
  const secretsFile = machine.registryDir ? testSecretsFile(machine.registryDir) : config.secretsFile;
  const run = machine.launch ? machine.launch(cmd) : cmd;
  const child = spawn(run.command, run.args, { env: { ...process.env, NOX_REGISTRY_DIR: registryDir, NOX_SECRETS_FILE: secretsFile, NOX_TEST_OVERRIDES: JSON.stringify(settings) }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (out += c.toString()));
  await waitUntil(() => out.includes('worker ready') || child.exitCode !== null, 30_000).catch(() => undefined);
  if (!out.includes('worker ready')) {
    child.kill('SIGKILL');
    throw new Error(`worker child did not start:\n${out}`);
  }
  return child;
}

/**
 * A host "on another machine": its own registry folder path (absent until the host makes
 * its `.runtime/` there), and so its own secrets file path; pass its own
 * `agent.workspace_root` in the overrides too.
 */
export interface WorkerMachine {
  registryDir?: string;
  /**
   * How the host's command is started, e.g. inside its own namespaces (test/support/netns.ts);
   * it must exec the command in place, so that the child's pid is the host's.
   */
  launch?: (cmd: { command: string; args: string[] }) => { command: string; args: string[] };
}

/** SIGTERM every child still running and wait for them (after hooks). */
export async function stopWorkerProcesses(children: readonly ChildProcess[]): Promise<void> {
  const running = children.filter((c) => c.exitCode === null && c.signalCode === null);
  for (const c of running) c.kill('SIGTERM');
  await Promise.all(running.map((c) => new Promise((r) => c.once('exit', r))));
}

/**
 * An API node in this process and worker hosts as child processes, on a fresh prefix and
 * registry: for tests that kill hosts. `startWorker(extra)` adds a host with the stack's
 * overrides plus `extra`; `cleanup` stops them all and removes what the stack made.
 */
export interface ApiWithWorkers {
  config: NoxConfig;
  apiCtx: NoxContext;
  api: ApiServer;
  startWorker(extra?: Record<string, unknown>, machine?: WorkerMachine): Promise<ChildProcess>;
  cleanup(): Promise<void>;
}

/** `registryDir`: the API's and writer's registry folder (default: a fresh temp folder) */
export async function startApiWithWorkers(overrides: Record<string, unknown>, options: { registryDir?: string } = {}): Promise<ApiWithWorkers> {
  const config = testConfig({ prefix: uniquePrefix(), overrides, ...options });
  const apiCtx = testContext(config, 'api');
  await waitForRedis(apiCtx.redis);
  const api = await startApiServer(apiCtx);
  const children: ChildProcess[] = [];
  return {
    config,
    apiCtx,
    api,
    async startWorker(extra = {}, machine = {}) {
      const child = await startWorkerProcess(config, { ...overrides, ...extra }, machine);
      children.push(child);
      return child;
    },
    async cleanup() {
      await stopWorkerProcesses(children);
      await api.close();
      await dropPrefix(config.redis.prefix);
      await apiCtx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    },
  };
}
