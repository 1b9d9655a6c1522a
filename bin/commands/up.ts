import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { signToken } from '../../shared/auth/tokens.js';
import { resolveRegistryDir } from '../../shared/config/load-config.js';
import { readSecretsFile, resolveSecretsFile, updateSecretsFile } from '../../shared/config/secrets.js';
import { redactRedisUrl, redisUrlOf } from '../../shared/redis.js';
import { RedisBinaryMissingError } from '../../shared/errors/redis-binary-missing-error.js';
import { selfCommand } from '../../shared/runtime/self-command.js';
import { configOrExit } from '../boot.js';
import { bootstrapRegistry, type BootstrapResult } from '../bootstrap.js';
import { decideRestart } from '../child-restarts.js';
import { ensureRedis, type LocalRedis } from '../local-redis.js';
import { onShutdownSignal } from '../signals.js';
import { startDemoDirector, type Director } from '../demo/demo-director.js';
import { clearDemoKeys, demoSandbox, demoSettings, prepareDemoFolder, writeDemoConfig, type DemoSettings } from '../demo/demo-setup.js';

/**
 * `nox up`: Redis (if needed) + the API (one node per core: `--api-workers`) + one worker
 * host, for one machine. The API and
 * the worker run as child processes so that a busy worker never slows the API; if either
 * dies it is started again with a backoff (bin/child-restarts.ts), except for a configuration
 * error, which stops everything with the child's message.
 */
export interface UpOptions {
  /** stop after this many ms waiting for health */
  readyTimeoutMs?: number;
  /** `--demo`: a Nox of its own with three stand-in agents playing a short story (bin/demo/, docs/DEMO.md) */
  demo?: boolean;
  /** `--api-workers N`: API node processes (`nox api --workers N`); default `defaultApiWorkers()` */
  apiWorkers?: number;
}

const out = (line: string): void => void process.stdout.write(`${line}\n`);

/**
 * API nodes `nox up` runs when not told: the cores but two, at least one. The worker host and
 * Redis run beside them on the same machine; on two cores a second API node only adds
 * contention (docs/PERFORMANCE.md, `--workers 2` level with one or worse under load).
 */
export function defaultApiWorkers(cores = availableParallelism()): number {
  return Math.max(1, cores - 2);
}

export async function runUp(options: UpOptions = {}): Promise<void> {
  const started = Date.now();
  const apiWorkers = options.apiWorkers ?? defaultApiWorkers();
  const demo = options.demo ? demoOrExit() : undefined;
  const registryDir = resolveRegistryDir();
  const { secretsFile, boot } = await prepareRegistryFolder(registryDir);
  if (demo) writeDemoConfig(demo);
  const config = configOrExit({ registryDir, secretsFile });
  const sandboxNote = demo ? await demoSandbox(config) : undefined;
  if (sandboxNote) out(`demo: ${sandboxNote}`);

  let redis: LocalRedis;
  try {
    redis = await ensureRedis(config.redis.url ? redisUrlOf(config.redis) : undefined, registryDir, process.env, () => localRedisPassword(secretsFile));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    process.exit(err instanceof RedisBinaryMissingError ? 3 : 1);
  }
  if (redis.child) out(`redis: started redis-server (pid ${redis.child.pid}) at ${redactRedisUrl(redis.url)} (password in ${secretsFile})`);
  else out(`redis: using ${redactRedisUrl(redis.url)}`);
  // a demo starts from nothing: what an earlier one left in a Redis it shares goes first
  if (demo && !redis.child) await clearDemoKeys(redis.url, demo.prefix);

  const env = { ...process.env, REDIS_URL: redis.url, NOX_REGISTRY_DIR: registryDir, NOX_SECRETS_FILE: secretsFile, NOX_REGISTRY_PREPARED: registryDir };
  const children = new Map<string, ChildProcess>();
  const runtimeFile = path.join(registryDir, '.runtime', 'up.json');
  let stopping = false;

  const restartTimers = new Set<NodeJS.Timeout>();
  let director: Director | undefined;
  const stopAll = async (code: number): Promise<never> => {
    stopping = true;
    director?.stop();
    for (const t of restartTimers) clearTimeout(t);
    await Promise.all(
      [...children.values()].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null || c.signalCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
            setTimeout(() => c.kill('SIGKILL'), config.worker.shutdown_timeout_ms + 5000).unref();
          }),
      ),
    );
    await redis.stop();
    rmSync(runtimeFile, { force: true });
    process.exit(code);
  };

  const writeRuntime = (): void => {
    // no password here: `nox doctor` takes the local one from the secrets file
    const pids = Object.fromEntries([...children].map(([role, c]) => [role, c.pid]));
    writeFileSync(runtimeFile, JSON.stringify({ pid: process.pid, apiUrl: url, redisUrl: redactRedisUrl(redis.url).replace(/\/\/[^@/]*@/, '//'), localRedis: redis.child !== undefined, children: pids }, null, 2));
  };
  // A child that dies is started again (bin/child-restarts.ts): one crash is not an outage.
  const deaths: Record<string, number[]> = { api: [], worker: [] };
  const startChild = (role: 'api' | 'worker'): void => {
    // the one registry writer (issue 3); the API as one node per core (bin/api-cluster.ts)
    const cmd = selfCommand('bin/cli', role === 'worker' ? [role, '--registry-writer'] : [role, '--workers', String(apiWorkers)]);
    // Own process group: a terminal's Ctrl-C reaches only `nox up`, which stops the
    // children in order. The IPC channel lets them notice if `nox up` itself is killed.
    const child = spawn(cmd.command, cmd.args, { env, stdio: ['ignore', 'inherit', 'inherit', 'ipc'], detached: true });
    children.set(role, child);
    if (ready) writeRuntime();
    child.on('exit', (code, signal) => {
      if (stopping) return;
      const decision = decideRestart(deaths[role]!, Date.now(), code);
      if (!decision.restart) {
        process.stderr.write(`nox ${role} exited: ${decision.why}; stopping everything\n`);
        void stopAll(code || 1);
        return;
      }
      process.stderr.write(`nox ${role} exited (${signal ?? code}); starting it again${decision.delayMs ? ` in ${decision.delayMs} ms` : ''} (${decision.deathsInWindow} exit(s) in 10 min)\n`);
      const timer = setTimeout(() => {
        restartTimers.delete(timer);
        if (!stopping) startChild(role);
      }, decision.delayMs);
      restartTimers.add(timer);
    });
  };
  let ready = false;
  const host = config.api.host === '0.0.0.0' ? '127.0.0.1' : config.api.host;
  const url = `http://${host}:${config.api.port}`;
  startChild('api');
  startChild('worker');
  onShutdownSignal(async () => {
    out('stopping...');
    await stopAll(0);
  });

  await waitReady(url, config.auth.jwt_secret as string, options.readyTimeoutMs ?? 60_000);
  ready = true;
  writeRuntime();
  out(`nox is up at ${url} (ready in ${Date.now() - started} ms)`);
  out(`  dashboard  ${url}/`);
  out(`  queues     ${url}/admin/queues`);
  out(`  api docs   ${url}/api/openapi.json`);
  if (boot?.adminPassword) {
    out('');
    out(`first run: created ${registryDir}`);
    out(`  user "admin", password: ${boot.adminPassword}`);
    out('  (shown once; change it with `nox user passwd admin`)');
  }
  if (demo) director = startDemoDirector({ url, jwtSecret: config.auth.jwt_secret as string, approveAfterMs: demo.approveAfterMs, out });
}

/** The demo's folder and settings, or the reason it cannot start (exit 1). */
function demoOrExit(): DemoSettings {
  try {
    const settings = demoSettings();
    prepareDemoFolder(settings);
    out(`demo: a Nox of its own in ${settings.dir} (emptied at every demo start), Redis keys under ${settings.prefix}`);
    return settings;
  } catch (err) {
    process.stderr.write(`nox up --demo: ${(err as Error).message}\n`);
    process.exit(1);
  }
}

/** The password of `nox up`'s own redis-server: from the secrets file, made (and kept there) on first need. */
function localRedisPassword(secretsFile: string): string {
  const known = readSecretsFile(secretsFile).redis.local_password;
  if (known) return known;
  const made = randomBytes(24).toString('base64url');
  updateSecretsFile(secretsFile, (s) => void (s.redis.local_password = made));
  return made;
}

/** The registry folder's preparation (bin/bootstrap.ts) for a process that owns it; returns its secrets file. */
export async function prepareRegistryFolder(registryDir = resolveRegistryDir()): Promise<{ secretsFile: string; boot?: BootstrapResult }> {
  const secretsFile = resolveSecretsFile(registryDir);
  // `nox up` prepared it already for its children
  if (process.env.NOX_REGISTRY_PREPARED === registryDir) return { secretsFile };
  const boot = await bootstrapRegistry(registryDir, secretsFile);
  reportSecrets(boot, secretsFile);
  return { secretsFile, boot };
}

/** What the registry's preparation did about secrets, said once (bin/bootstrap.ts). */
export function reportSecrets(boot: BootstrapResult, secretsFile: string): void {
  if (boot.moved.length > 0) out(`secrets: moved ${boot.moved.join(', ')} from system-config.toml to ${secretsFile}`);
  if (boot.rotated) {
    out('secrets: the JWT signing key was in the registry\'s git history, so a new key was generated.');
    out('         Every token issued before no longer works: log in again; agents get new tokens when they start.');
  }
  if (boot.historyHoldsSecrets) {
    out('secrets: old commits of the registry still hold secret values (redacted in every view; backup is refused).');
    out('         `nox registry purge-secrets` rewrites the history without them.');
  }
}

/** Until /health answers and at least one worker host is alive. */
async function waitReady(url: string, secret: string, timeoutMs: number): Promise<void> {
  const token = signToken(secret, { sub: 'nox-up', role: 'viewer' }, { expiresIn: '1m' });
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(`${url}/api/system/hosts`, { headers: { authorization: `Bearer ${token}` } });
      if (res.ok) {
        const body = (await res.json()) as { hosts: { alive: boolean }[] };
        if (body.hosts.some((h) => h.alive)) return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`nox did not become ready at ${url} within ${timeoutMs} ms`);
}
