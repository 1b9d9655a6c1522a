import { reportLoopError } from '../../shared/redis-reachability.js';
import type { Logger } from '../../shared/logger.js';

/**
 * A function run every `intervalMs`, whose failures are logged and kept for health checks
 * (`lastError`, `lastRunAt`) instead of stopping the loop. Runs never overlap: a slow run
 * makes the next tick skip rather than pile up.
 */
export interface PeriodicTask<T> {
  readonly lastError: Error | undefined;
  /** epoch ms of the last successful run (0 before the first) */
  readonly lastRunAt: number;
  /** runs now (or joins the run in progress); resolves to its result, undefined on failure */
  runNow(): Promise<T | undefined>;
  stop(): void;
}

export function startPeriodic<T>(name: string, intervalMs: number, fn: () => Promise<T>, logger: Logger): PeriodicTask<T> {
  let lastError: Error | undefined;
  let lastRunAt = 0;
  let running: Promise<T | undefined> | undefined;

  const runNow = (): Promise<T | undefined> => {
    running ??= (async () => {
      try {
        const result = await fn();
        lastError = undefined;
        lastRunAt = Date.now();
        return result;
      } catch (err) {
        lastError = err as Error;
        reportLoopError(logger, `${name} failed`, err);
        return undefined;
      } finally {
        running = undefined;
      }
    })();
    return running;
  };

  const timer = setInterval(() => void runNow(), intervalMs);
  timer.unref();
  return {
    get lastError() {
      return lastError;
    },
    get lastRunAt() {
      return lastRunAt;
    },
    runNow,
    stop: () => clearInterval(timer),
  };
}
