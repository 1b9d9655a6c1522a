import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Redis } from 'ioredis';
import { startApiServer, type ApiServer } from '../../api/server.js';
import { signToken } from '../../shared/auth/tokens.js';
import { loadConfig } from '../../shared/config/load-config.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { createLogger } from '../../shared/logger.js';
import { closeRedis, createRedis, waitForRedis } from '../../shared/redis.js';
import { createContext, type NoxContext } from '../../shared/runtime/context.js';
import type { Principal, Role } from '../../shared/types.js';
import { startWorkerHost, type WorkerHost, type WorkerHostOptions } from '../../workers/host.js';

/**
 * Builds real Nox parts for a test: each call gets its own key prefix and registry folder,
 * so tests never see each other's state, and `cleanup()` removes both.
 */
/** read when used: mocha's global setup may set REDIS_URL after this module is loaded */
export function redisUrl(): string {
  return process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
}
export const TEST_SECRET = 'test-secret-test-secret-test-secret-0123456789';

export function uniquePrefix(): string {
  return `{t-${randomBytes(5).toString('hex')}}`;
}

export interface TestConfigOptions {
  prefix?: string;
  registryDir?: string;
  /** dotted-path overrides, e.g. `{ 'worker.capacity': 2 }` */
  overrides?: Record<string, unknown>;
}

/**
 * Where a test's secrets file goes: inside its registry's git-ignored `.runtime/`, so it is
 * removed with the registry and no two tests share one (the default, `.nox-secrets/` beside
 * the registry, would be one folder for every registry made in the temp folder).
 */
export function testSecretsFile(registryDir: string): string {
  return path.join(registryDir, '.runtime', 'secrets.toml');
}

/**
 * Where a test's agents work: inside its registry's git-ignored `.runtime/` too, for the
 * same reason (the default, `.nox-work/` beside the registry, would be one folder for every
 * test in the temp folder).
 */
export function testWorkspaceRoot(registryDir: string): string {
  return path.join(registryDir, '.runtime', 'work');
}

/** The stand-in agent programs (test/fixtures): outside what an agent's sandbox shows unless named in agent.sandbox_read. */
export const FIXTURES_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');

export function testConfig(options: TestConfigOptions = {}): NoxConfig {
  const registryDir = options.registryDir ?? mkdtempSync(path.join(tmpdir(), 'nox-test-'));
  return loadConfig({
    registryDir,
    secretsFile: testSecretsFile(registryDir),
    env: {},
    overrides: {
      'redis.url': redisUrl(),
      'redis.prefix': options.prefix ?? uniquePrefix(),
      'api.host': '127.0.0.1',
      'api.port': 0,
      'auth.jwt_secret': TEST_SECRET,
      'log.level': process.env.TEST_LOG_LEVEL ?? 'silent',
      'worker.heartbeat_interval_ms': 200,
      'worker.heartbeat_ttl_ms': 1000,
      'worker.shutdown_timeout_ms': 3000,
      'agent.workspace_root': testWorkspaceRoot(registryDir),
      'agent.sandbox_read': [FIXTURES_DIR],
      // A test's registry folder is on this machine but becomes a git repository only when
      // its writer starts, which may be after the API (`nox up` makes it first, so `auto`
      // reads it there). Tests of hosts without the folder set `registry.reads: 'redis'`.
      'registry.reads': 'folder',
      ...options.overrides,
    },
  });
}

export function testContext(config: NoxConfig, role: 'api' | 'worker' | 'cli'): NoxContext {
  return createContext({ config, role, logger: createLogger({ level: config.log.level }) });
}

export function tokenFor(role: Role, sub = `test-${role}`, agentId?: string, expiresIn: string | number = '1h'): string {
  const principal: Principal = role === 'agent' ? { sub: agentId ?? sub, role, agentId: agentId ?? sub } : { sub, role };
  return signToken(TEST_SECRET, principal, { expiresIn });
}

/** Deletes every key under a prefix on a connection of its own, opened and closed here (test clean-up). */
export async function dropPrefix(prefix: string): Promise<void> {
  const admin = createRedis(redisUrl(), 'blocking');
  try {
    await deletePrefix(admin, prefix);
  } finally {
    await closeRedis(admin);
  }
}

/** Deletes every key under a prefix (SCAN, never KEYS). */
export async function deletePrefix(redis: Redis, prefix: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) await redis.del(...keys);
  } while (cursor !== '0');
}

export interface Stack {
  config: NoxConfig;
  apiCtx: NoxContext;
  workerCtx: NoxContext;
  api: ApiServer;
  host?: WorkerHost;
  /** fetch against the API with a role's token */
  call(method: string, urlPath: string, options?: { role?: Role; token?: string; body?: unknown; headers?: Record<string, string> }): Promise<Response>;
  cleanup(): Promise<void>;
}

/**
 * An API node and (unless `withHost: false`) a worker host, in this process. The host is
 * deliberately bare — the spine of workers/host.ts with only the built-in ping, plus
 * `hostOptions` — because the suites on this stack test the API, the events and the spine
 * (API → queue → host → stream), not the areas; a host with the areas and roles of `nox
 * worker` is test/support/test-worker.ts.
 */
export async function startStack(
  options: TestConfigOptions & { withHost?: boolean; hostOptions?: WorkerHostOptions } = {},
): Promise<Stack> {
  const config = testConfig(options);
  const apiCtx = testContext(config, 'api');
  const workerCtx = testContext(config, 'worker');
  await waitForRedis(apiCtx.redis);
  const api = await startApiServer(apiCtx);
  const host = options.withHost === false ? undefined : await startWorkerHost(workerCtx, options.hostOptions);
  return {
    config,
    apiCtx,
    workerCtx,
    api,
    host,
    async call(method, urlPath, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const token = opts.token ?? (opts.role ? tokenFor(opts.role) : undefined);
      if (token) headers.authorization = `Bearer ${token}`;
      let body: string | undefined;
      if (opts.body !== undefined) {
        body = typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body);
        headers['content-type'] ??= 'application/json';
      }
      return fetch(`${api.url}${urlPath}`, { method, headers, body });
    },
    async cleanup() {
      await host?.close();
      await api.close();
      await dropPrefix(config.redis.prefix);
      await workerCtx.close();
      await apiCtx.close();
      rmSync(config.registryDir, { recursive: true, force: true });
    },
  };
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs = 5000, stepMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, stepMs));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
