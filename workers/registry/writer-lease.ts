import type { Redis } from 'ioredis';
import type { Logger } from '../../shared/logger.js';
import { createLease, type Lease } from '../runtime/lease.js';

/**
 * One registry writer at a time, across every machine (workers/runtime/lease.ts): a second
 * `--registry-writer` waits until the key is free (the first stopped, or died and its lease
 * ran out) — so git never sees two writers. A lost lease stops this writer.
 */
export type WriterLease = Lease;

export function createWriterLease(redis: Redis, key: string, ttlMs: number, logger: Logger): WriterLease {
  return createLease(redis, key, ttlMs, logger, { name: 'registry writer', lostLevel: 'error' });
}
