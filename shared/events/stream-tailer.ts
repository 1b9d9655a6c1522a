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
  onEvent(listener: EventListener): () => void;
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
  /**
   * Only events whose type this accepts reach the listeners; the others are skipped without
   * parsing their JSON (by the entry's type field). For a tailer that follows a few types.
   */
  accept?: (type: string) => boolean;
}

export function createStreamTailer(options: StreamTailerOptions): StreamTailer {
  const { redis, stream, logger, accept } = options;
  const blockMs = options.blockMs ?? 1000;
  const batch = options.batch ?? 500;
  const listeners = new Set<EventListener>();
  let lastId = '0-0';
  let lastError: Error | undefined;
  let lastRunAt = 0;
  let running = false;
  let loop: Promise<void> | undefined;

  const deliver = (event: DomainEvent): void => {
    for (const listener of listeners) {
      try {
        listener(event);
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
        const type = accept ? entryType(fields) : undefined;
        if (type !== undefined && !accept?.(type)) continue;
        const event = decodeEntry(id, fields);
        if (event && (!accept || accept(event.type))) deliver(event);
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
        logger.warn('event stream read failed; retrying', errorFields(err));
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
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
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
