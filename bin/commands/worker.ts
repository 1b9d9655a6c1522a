import { errorFields } from '../../shared/logger.js';
import { startNoxWorker } from '../../workers/worker-assembly.js';
import { startTracing } from '../../shared/tracing/start-tracing.js';
import { files } from '../../shared/registry/layout.js';
import { readsFromRedis, registryClientFor } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { contextFor } from '../boot.js';
import { onShutdownSignal } from '../signals.js';

/**
 * `nox worker`: one worker host with every role (workers/worker-assembly.ts), plus the
 * registry writer with `--registry-writer`. This file keeps what belongs to the process:
 * the exit code of a failed start and the signals that stop it.
 */
export async function runWorker(options: { registryWriter?: boolean } = {}): Promise<void> {
  // before the context: its queues and workers are made with the tracing switch as it is then
  const stopTracing = startTracing('nox-worker');
  const ctx = await sharedConfigContext(contextFor('worker'), options.registryWriter === true);
  const starting = startNoxWorker(ctx, { registryWriter: options.registryWriter === true });
  // listened for from the start: the host takes jobs (and logs "worker host started")
  // before its last roles are up, and a SIGTERM in that window must still stop it
  // cleanly, once the start has finished, rather than kill it mid-job
  onShutdownSignal(async () => {
    const worker = await starting.catch(() => undefined);
    await worker?.stop();
    await ctx.close();
    await stopTracing?.();
  });
  try {
    await starting;
  } catch (err) {
    ctx.logger.error('worker host failed to start', errorFields(err));
    process.stderr.write(`${(err as Error).message}\n`);
    await ctx.close();
    process.exit(1);
  }
}

/**
 * A host on another machine (it reads the registry from Redis, docs/HOSTS.md) runs with the
 * registry's system-config.toml as the writer published it — less secrets and what each
 * machine sets for itself — under its own environment and secrets file. It waits for the
 * writer's first publication (the mirror logs that it waits), then builds its context again.
 */
async function sharedConfigContext(first: NoxContext, writer: boolean): Promise<NoxContext> {
  if (writer || !readsFromRedis(first)) return first;
  const registry = registryClientFor(first);
  await registry.ready();
  const text = registry.text(files.systemConfig());
  await first.close();
  const ctx = contextFor('worker', text === undefined ? {} : { published: { text, source: 'system-config.toml as the registry writer published it' } });
  ctx.logger.info('config: system-config.toml from the registry writer (less secrets, [redis] and [worker])', { found: text !== undefined });
  return ctx;
}
