import cluster from 'node:cluster';
import { startApiServer } from '../../api/server.js';
import { waitForRedis } from '../../shared/redis.js';
import { startTracing } from '../../shared/tracing/start-tracing.js';
import { runApiPrimary } from '../api-cluster.js';
import { contextFor } from '../context-boot.js';
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
  // Listen once Redis answers (within a few seconds): in a cluster a new node takes its share
  // of the shared port's connections as soon as it listens, and one still connecting would
  // answer them 503. With Redis down the API starts all the same, answering 503 until it is back.
  await waitForRedis(ctx.redis, 5000).catch(() => undefined);
  const server = await startApiServer(ctx, { websocketOnly: cluster.isWorker });
  onShutdownSignal(async () => {
    await server.close();
    await ctx.close();
    await stopTracing?.();
  });
}

