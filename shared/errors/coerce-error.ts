import { NoxError } from './nox-error.js';
import { RedisUnavailableError } from './service-errors.js';

/**
 * Messages ioredis gives when a command cannot reach the server. With
 * `enableOfflineQueue: false` (the API's setting) these come back at once.
 */
const REDIS_DOWN_PATTERNS = [
  /Stream isn't writeable/i,
  /Connection is closed/i,
  /ECONNREFUSED/,
  /max retries per request/i,
  /getaddrinfo ENOTFOUND/,
  /Connection timeout|ETIMEDOUT/,
  /ECONNRESET/,
];

export function isRedisDownError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  return REDIS_DOWN_PATTERNS.some((re) => re.test(err.message));
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
