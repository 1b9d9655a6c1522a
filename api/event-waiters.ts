import { TimeoutError } from '../shared/errors/service-errors.js';
import type { DomainEvent } from '../shared/types.js';

/**
 * Lets a request wait for the event its job will produce (matched by type and
 * correlation id), fed by this node's stream tailer. The first match wins; duplicates from
 * retried jobs find no waiter and are ignored.
 */
export interface EventWaiters {
  waitFor(type: string, correlationId: string, timeoutMs: number): Promise<DomainEvent>;
  /** feed from the stream tailer */
  dispatch(event: DomainEvent): void;
  /** someone waits for an event of this type (the tailer skips the others unparsed) */
  wants(type: string): boolean;
  readonly pending: number;
}

export function createEventWaiters(): EventWaiters {
  const waiting = new Map<string, (event: DomainEvent) => void>();
  const types = new Map<string, number>();
  const count = (type: string, by: number): void => {
    const n = (types.get(type) ?? 0) + by;
    if (n > 0) types.set(type, n);
    else types.delete(type);
  };
  const keyOf = (type: string, correlationId: string): string => `${type}\u0000${correlationId}`;
  return {
    waitFor(type, correlationId, timeoutMs) {
      const key = keyOf(type, correlationId);
      count(type, 1);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(key);
          count(type, -1);
          reject(new TimeoutError(`No ${type} event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(key, (event) => {
          clearTimeout(timer);
          waiting.delete(key);
          count(type, -1);
          resolve(event);
        });
      });
    },
    dispatch(event) {
      if (!event.correlationId) return;
      waiting.get(keyOf(event.type, event.correlationId))?.(event);
    },
    wants: (type) => types.has(type),
    get pending() {
      return waiting.size;
    },
  };
}
