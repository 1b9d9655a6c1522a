import { registryClientFor } from '../shared/registry/registry-client.js';
import type { NoxContext } from '../shared/runtime/context.js';

/**
 * A host that reads the registry from Redis takes no work before the writer has published it
 * (it would run on guesses: docs/HOSTS.md). While it waits, the mirror logs that it does and
 * the host says so in Redis every `registry.wait_log_interval_ms`, so `GET
 * /api/system/health` can name it (`registry.waitingHosts`). `signal`: a stop during the
 * start ends the wait.
 */
export async function waitForRegistry(ctx: NoxContext, hostId: string, signal?: AbortSignal): Promise<void> {
  const registry = registryClientFor(ctx);
  if (registry.source === 'folder') return;
  const key = ctx.keys.hostsWaitingForRegistry();
  const say = (): Promise<unknown> => ctx.redis.zadd(key, Date.now(), hostId).catch(() => 0);
  await say();
  const timer = setInterval(() => void say(), ctx.config.registry.wait_log_interval_ms);
  timer.unref();
  try {
    // a stop while it waits ends the wait (the start rejects, nothing more starts)
    await (signal ? Promise.race([registry.ready(), rejectOnAbort(signal)]) : registry.ready());
  } finally {
    clearInterval(timer);
    await ctx.redis.zrem(key, hostId).catch(() => 0);
  }
}

function rejectOnAbort(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
