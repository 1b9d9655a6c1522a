import { NoxError } from './nox-error.js';
import { RedisUnavailableError } from './service-errors.js';
import { hasRedisDownMessage } from '../redis-reachability.js';

/** an Error of a Redis command that could not reach the server (the list: shared/redis-reachability.ts) */
export function isRedisDownError(err: unknown): boolean {
  return hasRedisDownMessage(err);
}

/**
 * Turns anything thrown into an Error; NoxErrors pass through, Redis connection
 * failures become RedisUnavailableError, the rest keep the original as `cause`.
 */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof NoxError) return thrown;
  if (isRedisDownError(thrown)) return new RedisUnavailableError(thrown);
  if (thrown instanceof Error) return thrown;
  return new Error(typeof thrown === 'string' ? thrown : 'Non-error thrown', { cause: thrown });
}
