import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { Redis } from 'ioredis';
import { RedisBinaryMissingError } from '../shared/errors/redis-binary-missing-error.js';
import { DEFAULT_REDIS_URL, withPassword } from '../shared/redis.js';

/**
 * `nox up` on one machine: use the configured Redis; else one that answers on the default
 * port; else start a private `redis-server` child on a free port with its data (AOF) under
 * `<registry>/.runtime/redis`, stopped with Nox.
 *
 * NOX_LOCAL_REDIS_PROBE changes the address probed instead of 127.0.0.1:6379 (tests use a
 * closed port to force the child).
 */
export interface LocalRedis {
  url: string;
  /** set when Nox started its own redis-server */
  child?: ChildProcess;
  stop(): Promise<void>;
}

export async function answersPing(url: string, timeoutMs = 800): Promise<boolean> {
  const client = new Redis(url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    client.disconnect();
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/**
 * `localPassword()` gives the password of Nox's own redis-server (the secrets file's
 * `[redis] local_password`, made on first need): only Nox processes hold it, so an agent
 * that reached the port could still do nothing. It is asked for only when Nox starts its own.
 */
export async function ensureRedis(configuredUrl: string | undefined, registryDir: string, env = process.env, localPassword?: () => string): Promise<LocalRedis> {
  if (configuredUrl) return { url: configuredUrl, stop: async () => undefined };
  const probe = env.NOX_LOCAL_REDIS_PROBE ?? DEFAULT_REDIS_URL;
  if (await answersPing(probe)) return { url: probe, stop: async () => undefined };
  return startRedisChild(path.join(registryDir, '.runtime', 'redis'), env, localPassword?.());
}

/** A private redis-server on a free loopback port; with `password`, it requires it (AUTH) and `url` carries it. */
export async function startRedisChild(dir: string, env: NodeJS.ProcessEnv, password?: string): Promise<LocalRedis> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const binary = env.NOX_REDIS_SERVER ?? 'redis-server';
  const child = spawn(
    binary,
    ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec',
      '--save', '', '--maxmemory-policy', 'noeviction', '--daemonize', 'no', '--protected-mode', 'yes',
      // the password reaches redis-server on its command line only as an include of a 0600 file
      ...(password ? ['--include', writePasswordConf(dir, password)] : [])],
    // own process group: a terminal's Ctrl-C must not stop Redis before the API and workers
    { stdio: ['ignore', 'ignore', 'ignore'], detached: true },
  );
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'ENOENT' ? new RedisBinaryMissingError() : err)),
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = withPassword(`redis://127.0.0.1:${port}`, password);
  const ready = (async () => {
    for (let i = 0; i < 100; i++) {
      if (await answersPing(url, 300)) return;
      if (child.exitCode !== null) throw new Error(`redis-server exited with code ${child.exitCode}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('redis-server did not answer within 10 s');
  })();
  try {
    await Promise.race([ready, spawnError]);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    url,
    child,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM'); // redis-server flushes the AOF and exits
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** `requirepass` in a 0600 file beside the data: `ps` shows the file's path, never the password. */
function writePasswordConf(dir: string, password: string): string {
  const file = path.join(dir, 'auth.conf');
  writeFileSync(file, `requirepass "${password.replace(/["\\]/g, '')}"\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return file;
}
