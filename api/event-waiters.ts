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
  readonly pending: number;
}

export function createEventWaiters(): EventWaiters {
  const waiting = new Map<string, (event: DomainEvent) => void>();
  const keyOf = (type: string, correlationId: string): string => `${type}\u0000${correlationId}`;
  return {
    waitFor(type, correlationId, timeoutMs) {
      const key = keyOf(type, correlationId);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          waiting.delete(key);
          reject(new TimeoutError(`No ${type} event within ${timeoutMs} ms`));
        }, timeoutMs);
        waiting.set(key, (event) => {
          clearTimeout(timer);
          waiting.delete(key);
          resolve(event);
        });
      });
    },
    dispatch(event) {
      if (!event.correlationId) return;
      waiting.get(keyOf(event.type, event.correlationId))?.(event);
    },
    get pending() {
      return waiting.size;
    },
  };
}
