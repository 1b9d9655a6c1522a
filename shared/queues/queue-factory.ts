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

export function createQueueEvents(name: string, connection: ConnectionOptions, keys: Keys, logger: Logger): QueueEvents {
  const events = new QueueEvents(name, { connection, prefix: keys.bullPrefix });
  events.on('error', (err) => reportLoopError(logger, 'queue events error', err, { queue: name }));
  return events;
}
