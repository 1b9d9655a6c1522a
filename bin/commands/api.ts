import cluster from 'node:cluster';
import { InvalidArgumentError } from 'commander';
import { startApiServer } from '../../api/server.js';
import { startTracing } from '../../shared/tracing/start-tracing.js';
import { runApiPrimary } from '../api-cluster.js';
import { contextFor } from '../boot.js';
import { onShutdownSignal } from '../signals.js';

export interface ApiOptions {
  /** API node processes sharing the port (node:cluster, bin/api-cluster.ts); 1: this process is the node */
  workers?: number;
}

export async function runApi(options: ApiOptions = {}): Promise<void> {
  const workers = options.workers ?? 1;
  if (workers > 1 && cluster.isPrimary) return runApiPrimary(workers);
  // before the context: its queues are made with the tracing switch as it is then
  const stopTracing = startTracing('nox-api');
  const ctx = contextFor('api');
  const server = await startApiServer(ctx, { websocketOnly: cluster.isWorker });
  onShutdownSignal(async () => {
    await server.close();
    await ctx.close();
    await stopTracing?.();
  });
}

/** `--workers N`: a whole number from 1 up */
export function parseWorkers(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`--workers must be a whole number from 1 up, not ${value}`);
  return n;
}
