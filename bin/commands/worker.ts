import { errorFields } from '../../shared/logger.js';
import { startNoxWorker, type NoxWorker } from '../../workers/worker-assembly.js';
import { contextFor } from '../boot.js';
import { onShutdownSignal } from '../signals.js';

/**
 * `nox worker`: one worker host with every role (workers/worker-assembly.ts), plus the
 * registry writer with `--registry-writer`. This file keeps what belongs to the process:
 * the exit code of a failed start and the signals that stop it.
 */
export async function runWorker(options: { registryWriter?: boolean } = {}): Promise<void> {
  const ctx = contextFor('worker');
  let worker: NoxWorker;
  try {
    worker = await startNoxWorker(ctx, { registryWriter: options.registryWriter === true });
  } catch (err) {
    ctx.logger.error('worker host failed to start', errorFields(err));
    process.stderr.write(`${(err as Error).message}\n`);
    await ctx.close();
    process.exit(1);
  }
  onShutdownSignal(async () => {
    await worker.stop();
    await ctx.close();
  });
}
