import { ERROR_CODE, type ErrorCodeWithStatus } from './codes.js';
import { NoxError } from './nox-error.js';

/** 503: Redis does not answer. The API fails fast instead of queueing the request. */
export class RedisUnavailableError extends NoxError {
  constructor(cause?: unknown) {
    super(ERROR_CODE.redisUnavailable, 'Redis is not reachable; try again shortly', { cause });
  }
}

/** 503: the request needs a worker host and none is alive. */
export class NoLiveHostError extends NoxError {
  constructor(detail = 'No worker host is alive') {
    super(ERROR_CODE.noLiveHost, detail);
  }
}

/** 504: a round trip through the queues did not come back in time. */
export class TimeoutError extends NoxError {
  constructor(message: string) {
    super(ERROR_CODE.timeout, message);
  }
}

/** 409: the request conflicts with the current state; `code` says how. */
export class ConflictError extends NoxError {
  constructor(message: string, code: ErrorCodeWithStatus<409>) {
    super(code, message);
  }
}

/** 429: too many requests in the window. */
export class RateLimitedError extends NoxError {
  constructor(retryAfterSeconds?: number, detail = 'Too many requests; slow down') {
    super(ERROR_CODE.rateLimited, detail, {
      extensions: retryAfterSeconds === undefined ? {} : { retryAfter: retryAfterSeconds },
    });
  }
}
