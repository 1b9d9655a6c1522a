import { startApiServer } from '../../api/server.js';
import { contextFor } from '../boot.js';
import { onShutdownSignal } from '../signals.js';

export async function runApi(): Promise<void> {
  const ctx = contextFor('api');
  const server = await startApiServer(ctx);
  onShutdownSignal(async () => {
    await server.close();
    await ctx.close();
  });
}
