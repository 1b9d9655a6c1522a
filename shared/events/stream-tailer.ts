import { reportLoopError } from '../redis-reachability.js';
import type { Redis } from 'ioredis';
import { errorFields, type Logger } from '../logger.js';
import type { DomainEvent } from '../types.js';
import { decodeEntry, entryType } from './event-bus.js';

/**
 * Follows the event stream with XREAD BLOCK on its own connection and hands every event
 * to the listeners, in order. A listener that throws is logged, never stops the loop.
 * Exposes `lastId`, `lastError` and `lastRunAt` for health checks.
 */
export type EventListener = (event: DomainEvent) => void;

export interface StreamTailer {
  /** id of the newest event handed to listeners (or the start position) */
  readonly lastId: string;
  readonly lastError: Error | undefined;
  readonly lastRunAt: number;
  /**
   * `accept`: the event types this listener wants (default all). An event no listener
   * accepts is skipped without parsing its JSON (by the entry's type field).
   */
  onEvent(listener: EventListener, accept?: (type: string) => boolean): () => void;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface StreamTailerOptions {
  /** a connection of its own: XREAD BLOCK holds it */
  redis: Redis;
  stream: string;
  logger: Logger;
  blockMs?: number;
  batch?: number;
}

interface Listening {
  listener: EventListener;
  accept?: (type: string) => boolean;
}

export function createStreamTailer(options: StreamTailerOptions): StreamTailer {
  const { redis, stream, logger } = options;
  const blockMs = options.blockMs ?? 1000;
  const batch = options.batch ?? 500;
  const listeners = new Set<Listening>();
  const wants = (l: Listening, type: string): boolean => !l.accept || l.accept(type);
  const anyWants = (type: string): boolean => {
    for (const l of listeners) if (wants(l, type)) return true;
    return false;
  };
  let lastId = '0-0';
  let lastError: Error | undefined;
  let lastRunAt = 0;
  let running = false;
  let loop: Promise<void> | undefined;

  const deliver = (event: DomainEvent): void => {
    for (const l of listeners) {
      if (!wants(l, event.type)) continue;
      try {
        l.listener(event);
      } catch (err) {
        logger.error('event listener threw', { eventType: event.type, ...errorFields(err) });
      }
    }
  };

  const readOnce = async (): Promise<void> => {
    const reply = (await redis.xread('COUNT', batch, 'BLOCK', blockMs, 'STREAMS', stream, lastId)) as
      | [string, [string, string[]][]][]
      | null;
    lastRunAt = Date.now();
    lastError = undefined;
    for (const [, entries] of reply ?? []) {
      for (const [id, fields] of entries) {
        lastId = id;
        const type = entryType(fields);
        if (type !== undefined && !anyWants(type)) continue;
        const event = decodeEntry(id, fields);
        if (event) deliver(event);
      }
    }
  };

  const run = async (): Promise<void> => {
    while (running) {
      try {
        await readOnce();
      } catch (err) {
        if (!running) break;
        lastError = err as Error;
        reportLoopError(logger, 'event stream read failed; retrying', err);
        await new Promise((r) => setTimeout(r, 500));
      }
    }
  };

  return {
    get lastId() {
      return lastId;
    },
    get lastError() {
      return lastError;
    },
    get lastRunAt() {
      return lastRunAt;
    },
    onEvent(listener, accept) {
      const l: Listening = { listener, ...(accept ? { accept } : {}) };
      listeners.add(l);
      return () => listeners.delete(l);
    },
    async start() {
      if (running) return;
      // Start at the current end: the tailer delivers what happens from now on; clients
      // that want history replay it with XRANGE.
      const last = (await redis.xrevrange(stream, '+', '-', 'COUNT', 1)) as [string, string[]][];
      lastId = last[0]?.[0] ?? '0-0';
      running = true;
      loop = run();
    },
    async stop() {
      running = false;
      // XREAD BLOCK only returns after blockMs; disconnecting ends it now.
      redis.disconnect();
      await loop;
    },
  };
}
