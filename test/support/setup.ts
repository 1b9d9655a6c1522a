import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { answersPing, startRedisChild, type LocalRedis } from '../../bin/local-redis.js';

/**
 * Loaded by mocha before any test (.mocharc.json `require`). Tests talk to a real Redis:
 * REDIS_URL when set (.ci/run starts a private one); else the one on 127.0.0.1:6379 if it
 * answers; else a private `redis-server` started here for the run and stopped after it.
 * Logs are off unless TEST_LOG_LEVEL is set.
 */
process.env.LOG_LEVEL = process.env.TEST_LOG_LEVEL ?? 'silent';

let own: LocalRedis | undefined;
let ownDir: string | undefined;

export async function mochaGlobalSetup(): Promise<void> {
  if (process.env.REDIS_URL) return;
  const fallback = 'redis://127.0.0.1:6379';
  if (await answersPing(fallback)) {
    process.env.REDIS_URL = fallback;
    return;
  }
  ownDir = mkdtempSync(path.join(tmpdir(), 'nox-test-redis-'));
  own = await startRedisChild(ownDir, process.env);
  process.env.REDIS_URL = own.url;
  process.stdout.write(`tests: started a private redis-server at ${own.url}\n`);
}

export async function mochaGlobalTeardown(): Promise<void> {
  await own?.stop();
  if (ownDir) rmSync(ownDir, { recursive: true, force: true });
}
