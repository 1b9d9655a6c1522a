import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import type { DomainEvent } from '../types.js';

/**
 * Publishes domain events to one bounded Redis stream. `MAXLEN ~` trims in whole
 * macro-nodes, which is much cheaper than exact trimming; the stream may hold slightly more.
 */
export interface EventBus {
  publish<T>(event: Omit<DomainEvent<T>, 'at' | 'id'> & { at?: string }): Promise<string>;
}

export const EVENT_FIELD = 'e';
/** The event's type again, after the JSON: a reader that wants a few types skips the rest unparsed. */
export const TYPE_FIELD = 't';

export function createEventBus(redis: Redis, keys: Keys, maxLen: number): EventBus {
  const stream = keys.events();
  return {
    async publish(event) {
      const full = { ...event, at: event.at ?? new Date().toISOString() };
      const id = await redis.xadd(stream, 'MAXLEN', '~', String(maxLen), '*', EVENT_FIELD, JSON.stringify(full), TYPE_FIELD, event.type);
      return id as string;
    },
  };
}

/** Parses one XREAD/XRANGE entry; returns undefined for entries that are not ours. */
export function decodeEntry(id: string, fields: string[]): DomainEvent | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) {
    if (fields[i] !== EVENT_FIELD) continue;
    try {
      const event = JSON.parse(fields[i + 1] as string) as DomainEvent;
      return { ...event, id };
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** The type an entry declares in its own field (entries written without one: undefined). */
export function entryType(fields: string[]): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === TYPE_FIELD) return fields[i + 1];
  return undefined;
}

/** Stream ids are `<ms>-<seq>`; compares them numerically. */
export function compareStreamIds(a: string, b: string): number {
  const [am = '0', as = '0'] = a.split('-');
  const [bm = '0', bs = '0'] = b.split('-');
  const dm = BigInt(am) - BigInt(bm);
  if (dm !== 0n) return dm < 0n ? -1 : 1;
  const ds = BigInt(as) - BigInt(bs);
  return ds === 0n ? 0 : ds < 0n ? -1 : 1;
}

export const STREAM_ID_PATTERN = /^\d{1,20}-\d{1,20}$/;
