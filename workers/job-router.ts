import { DelayedError, UnrecoverableError, type Job, type Processor } from 'bullmq';
import { METRIC } from '../shared/metrics/catalogue.js';
import { errorFields, type Logger } from '../shared/logger.js';
import type { NoxContext } from '../shared/runtime/context.js';

/**
 * Dispatches a queue's jobs to handlers by job name. Handlers are idempotent: BullMQ
 * delivers at least once, and a job whose worker died runs again after the stalled check.
 *
 * When the host shuts down past its deadline the shared AbortSignal fires; a handler that
 * stops because of it has its job handed back to the queue (moved to delayed with no wait,
 * which does not use up an attempt), so no job is left active by a clean exit.
 */
export interface HandlerEnv {
  ctx: NoxContext;
  hostId: string;
  logger: Logger;
  /** aborted when the host must stop now */
  signal: AbortSignal;
}

export type JobHandler = (job: Job, env: HandlerEnv) => Promise<unknown>;
export type JobHandlers = Readonly<Record<string, JobHandler>>;

export function makeProcessor(
  queue: string,
  handlers: JobHandlers,
  base: Omit<HandlerEnv, 'logger'> & { logger: Logger },
): Processor {
  // a host's own queue is `host.<id>`: one label value for all of them keeps the series few
  const queueKind = queue.startsWith('host.') ? 'host' : queue;
  const duration = base.ctx.metrics.histogram(METRIC.jobDuration);
  const failures = base.ctx.metrics.counter(METRIC.jobFailures);
  return async (job, token) => {
    const handler = handlers[job.name];
    const logger = base.logger.child({ queue, jobId: job.id, job: job.name, correlationId: job.data?.correlationId });
    if (!handler) throw new UnrecoverableError(`no handler for job "${job.name}" on queue ${queue}`);
    const t0 = performance.now();
    const observe = (outcome: 'ok' | 'failed'): void => duration.observe({ queue: queueKind, job: job.name, outcome }, (performance.now() - t0) / 1000);
    try {
      const result = await handler(job, { ...base, logger });
      observe('ok');
      return result;
    } catch (err) {
      if (base.signal.aborted && token) {
        // Hand it back: another host (or this one after restart) takes it.
        await job.moveToDelayed(Date.now(), token);
        logger.info('job handed back to the queue on shutdown');
        throw new DelayedError();
      }
      observe('failed');
      failures.inc({ queue: queueKind, job: job.name });
      logger.debug('handler failed', errorFields(err));
      throw err;
    }
  };
}

/** Resolves after `ms`, or rejects with an AbortError when `signal` fires first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason ?? new Error('aborted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
