import { errorFields } from '../../shared/logger.js';
import { startWorkerHost } from '../../workers/host.js';
import { contextFor } from '../boot.js';
import { onShutdownSignal } from '../signals.js';

export async function runWorker(): Promise<void> {
  const ctx = contextFor('worker');
  let host;
  try {
    host = await startWorkerHost(ctx);
  } catch (err) {
    ctx.logger.error('worker host failed to start', errorFields(err));
    process.stderr.write(`${(err as Error).message}\n`);
    await ctx.close();
    process.exit(1);
  }
  onShutdownSignal(async () => {
    await host.close();
    await ctx.close();
  });
}
