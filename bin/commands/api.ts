import { startApiServer } from '../../api/server.js';
import { startTracing } from '../../shared/tracing/start-tracing.js';
import { contextFor } from '../boot.js';
import { onShutdownSignal } from '../signals.js';

export async function runApi(): Promise<void> {
  // before the context: its queues are made with the tracing switch as it is then
  const stopTracing = startTracing('nox-api');
  const ctx = contextFor('api');
  const server = await startApiServer(ctx);
  onShutdownSignal(async () => {
    await server.close();
    await ctx.close();
    await stopTracing?.();
  });
}
