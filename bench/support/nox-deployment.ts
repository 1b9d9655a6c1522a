/**
 * Nox deployed the way `nox up` runs it — an API process and a worker host process (with the
 * registry writer) — on the bench's Redis under a fresh prefix and registry, so a bench
 * measures the processes a user runs, not one process doing everything. Settings go into
 * the registry's system-config.toml before the processes start.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Redis } from 'ioredis';
import { stringify } from 'smol-toml';
import { freePort } from '../../bin/local-redis.js';
import { liveHosts } from '../../shared/hosts/host-directory.js';
import { makeKeys, type Keys } from '../../shared/keys.js';
import { readPublication } from '../../shared/registry/registry-publication.js';
import { closeRedis, createRedis } from '../../shared/redis.js';
import { spawnNox, type NoxProcess } from '../../test/support/processes.js';
import { deletePrefix, redisUrl, TEST_SECRET, uniquePrefix, waitUntil } from '../../test/support/harness.js';

export interface NoxDeployment {
  url: string;
  /** the deployment's registry folder (a git repository once the writer has started) */
  registryDir: string;
  keys: Keys;
  /** the bench's own connection (for reading the event stream) */
  redis: Redis;
  processes: NoxProcess[];
  stop(): Promise<void>;
}

/** `{'a.b': 1}` → `{a: {b: 1}}` */
function nest(dotted: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(dotted)) {
    const parts = key.split('.');
    let node = out;
    for (const p of parts.slice(0, -1)) node = (node[p] ??= {}) as Record<string, unknown>;
    node[parts.at(-1)!] = value;
  }
  return out;
}

/** `secrets`: the secrets file's content (e.g. `{auth: {password_hashes: {name: hash}}}`), in a folder of its own outside the registry */
/** `apiWorkers`: `nox api --workers N` (one API process by default) */
export async function startDeployment(settings: Record<string, unknown>, secrets?: Record<string, unknown>, apiWorkers = 1): Promise<NoxDeployment> {
  const prefix = uniquePrefix();
  const registryDir = mkdtempSync(path.join(tmpdir(), 'nox-bench-'));
  writeFileSync(path.join(registryDir, 'system-config.toml'), stringify(nest(settings)));
  const secretsDir = secrets ? mkdtempSync(path.join(tmpdir(), 'nox-bench-secrets-')) : undefined;
  if (secretsDir) writeFileSync(path.join(secretsDir, 'secrets.toml'), stringify(secrets as Record<string, unknown>), { mode: 0o600 });
  const port = await freePort();
  // the signing key is a secret: never in system-config.toml (the environment is one of its two homes)
  const env = { NOX_JWT_SECRET: TEST_SECRET, NOX_REGISTRY_DIR: registryDir, REDIS_URL: redisUrl(), NOX_REDIS_PREFIX: prefix, NOX_PORT: String(port), NOX_LOG_LEVEL: 'warn', LOG_LEVEL: 'warn', ...(secretsDir ? { NOX_SECRETS_FILE: path.join(secretsDir, 'secrets.toml') } : {}) };
  const url = `http://127.0.0.1:${port}`;
  const redis = createRedis(redisUrl(), 'blocking');
  const keys = makeKeys(prefix);
  // NOX_BENCH_PROFILE=<dir>: each Nox process writes a V8 CPU profile there when it stops
  const profile = process.env.NOX_BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${path.resolve(process.env.NOX_BENCH_PROFILE)}`] : [];
  // NOX_BENCH_NODE_FLAGS="--flag ...": more Node flags for the Nox processes only (not the load generator or the baselines)
  profile.push(...(process.env.NOX_BENCH_NODE_FLAGS ?? '').split(/\s+/).filter(Boolean));
  const processes = [spawnNox(['api', '--workers', String(apiWorkers)], env, profile), spawnNox(['worker', '--registry-writer'], env, profile)];
  const stop = async (): Promise<void> => {
    for (const p of processes) p.child.kill('SIGTERM');
    await Promise.race([Promise.all(processes.map((p) => p.exited())), new Promise((r) => setTimeout(r, 10_000))]);
    for (const p of processes) p.kill();
    await deletePrefix(redis, prefix);
    await closeRedis(redis);
    rmSync(registryDir, { recursive: true, force: true });
    if (secretsDir) rmSync(secretsDir, { recursive: true, force: true });
  };
  try {
    // ready: the API answers, a host is alive, and the writer has published the registry (a
    // process that reads it from Redis answers 503 until then: docs/HOSTS.md)
    await waitUntil(async () => (await fetch(`${url}/health`).then((r) => r.ok).catch(() => false)) && (await liveHosts(redis, keys)).length > 0 && (await readPublication(redis, keys)) !== undefined, 30_000, 100);
    // every API worker listening before a client connects (connections are handed out round-robin)
    const pids = new Set<number>();
    await waitUntil(async () => {
      const health = await fetch(`${url}/health`, { headers: { connection: 'close' } }).then((r) => r.json() as Promise<{ pid: number }>);
      pids.add(health.pid);
      return pids.size >= apiWorkers;
    }, 30_000, 20);
  } catch (err) {
    const output = processes.map((p) => p.output()).join('\n');
    await stop();
    throw new Error(`Nox did not come up: ${(err as Error).message}\n${output}`);
  }
  return { url, registryDir, keys, redis, processes, stop };
}
