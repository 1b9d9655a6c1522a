import { errorFields } from '../../shared/logger.js';
import { startWorkerHost } from '../../workers/host.js';
import { startRegistryWriter, type RegistryWriter } from '../../workers/registry/registry-writer.js';
import { contextFor } from '../boot.js';
import { onShutdownSignal } from '../signals.js';

export async function runWorker(options: { registryWriter?: boolean } = {}): Promise<void> {
  const ctx = contextFor('worker');
  let host;
  let registryWriter: RegistryWriter | undefined;
  try {
    host = await startWorkerHost(ctx);
    // The registry writer role: sole consumer of the `registry` queue (concurrency 1).
    if (options.registryWriter) registryWriter = await startRegistryWriter(ctx);
  } catch (err) {
    ctx.logger.error('worker host failed to start', errorFields(err));
    process.stderr.write(`${(err as Error).message}\n`);
    await ctx.close();
    process.exit(1);
  }
  onShutdownSignal(async () => {
    await registryWriter?.close();
    await host.close();
    await ctx.close();
  });
}
