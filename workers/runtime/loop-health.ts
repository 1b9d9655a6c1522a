import type { LoopHealth } from '../../shared/types.js';

/** What a loop exposes for health checks (periodic tasks, tailers, the registry writer...). */
export interface Watched {
  readonly lastError: Error | string | undefined;
  readonly lastRunAt: number | undefined;
}

/** A loop's health as the host publishes it with its heartbeat. */
export function loopHealth(loop: Watched): LoopHealth {
  const err = loop.lastError;
  return {
    lastRunAt: loop.lastRunAt ? new Date(loop.lastRunAt).toISOString() : null,
    lastError: err === undefined ? null : typeof err === 'string' ? err : err.message,
  };
}
