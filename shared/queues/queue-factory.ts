import { Queue, QueueEvents, Worker, type ConnectionOptions, type Processor, type WorkerOptions } from 'bullmq';
import type { Keys } from '../keys.js';
import { errorFields, type Logger } from '../logger.js';
import { reportLoopError } from '../redis-reachability.js';
import { bullTelemetry } from '../tracing/tracing.js';

export interface QueueDefaults {
  keepCompleted: number;
  keepFailed: number;
  attempts: number;
}

/**
 * A Queue with Nox's defaults: bounded completed/failed sets, exponential backoff, and an
 * `error` listener (an unhandled 'error' event would crash the process).
 */
export function createQueue(
  name: string,
  connection: ConnectionOptions,
  keys: Keys,
  logger: Logger,
  defaults: QueueDefaults,
): Queue {
  const telemetry = bullTelemetry();
  const queue = new Queue(name, {
    connection,
    prefix: keys.bullPrefix,
    ...(telemetry ? { telemetry } : {}),
    defaultJobOptions: {
      attempts: defaults.attempts,
      backoff: { type: 'exponential', delay: 500 },
      removeOnComplete: { count: defaults.keepCompleted },
      removeOnFail: { count: defaults.keepFailed },
    },
  });
  queue.on('error', (err) => reportLoopError(logger, 'queue error', err, { queue: name }));
  return queue;
}

export function createWorker<D = unknown, R = unknown>(
  name: string,
  processor: Processor<D, R>,
  connection: ConnectionOptions,
  keys: Keys,
  logger: Logger,
  options: Partial<WorkerOptions> = {},
): Worker<D, R> {
  const telemetry = bullTelemetry();
  const worker = new Worker<D, R>(name, processor, {
    connection,
    prefix: keys.bullPrefix,
    ...(telemetry ? { telemetry } : {}),
    autorun: true,
    ...options,
  });
  worker.on('error', (err) => reportLoopError(logger, 'worker error', err, { queue: name }));
  worker.on('failed', (job, err) =>
    logger.warn('job failed', { queue: name, jobId: job?.id, job: job?.name, attemptsMade: job?.attemptsMade, ...errorFields(err) }),
  );
  return worker;
}

/**
 * Closes a Worker once its connections have finished initialising (or failed to).
 *
 * Why: BullMQ (5.x) closing a connection whose init is still in flight — the INFO of its
 * version check sent, not yet answered — disconnects it and drops all its listeners at once;
 * the INFO then fails with ioredis's "Connection is closed", and the init's own catch
 * re-emits that as 'error' on an emitter with no listener left: a throw inside a catch, so
 * an unhandled rejection. A Worker's blocking connection (its own duplicate of the one we
 * pass) is the one caught there when a worker host is stopped during its start; a Worker
 * just made has not finished it. While Redis cannot be reached the init waits for it
 * indefinitely, so the wait also ends at the worker's first error (its connections' errors
 * are forwarded to it): a close must not hang on Redis being down.
 */
export async function closeWorker(worker: Worker, force = false): Promise<void> {
  await initialised(worker);
  await worker.close(force);
}

function initialised(worker: Worker): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = (): void => {
      worker.off('error', done);
      resolve();
    };
    worker.on('error', done);
    worker.waitUntilReady().then(done, done);
  });
}

export function createQueueEvents(name: string, connection: ConnectionOptions, keys: Keys, logger: Logger): QueueEvents {
  const events = new QueueEvents(name, { connection, prefix: keys.bullPrefix });
  events.on('error', (err) => reportLoopError(logger, 'queue events error', err, { queue: name }));
  return events;
}
