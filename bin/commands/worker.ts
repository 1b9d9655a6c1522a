import { errorFields } from '../../shared/logger.js';
import { startNoxWorker } from '../../workers/worker-assembly.js';
import { startTracing } from '../../shared/tracing/start-tracing.js';
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
  const ctx = contextFor('worker');
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
