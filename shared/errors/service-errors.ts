import { NoxError } from './nox-error.js';

/** 503: Redis does not answer. The API fails fast instead of queueing the request. */
export class RedisUnavailableError extends NoxError {
  constructor(cause?: unknown) {
    super('nox:redis-unavailable', 'Redis is not reachable; try again shortly', {
      status: 503,
      title: 'Service unavailable',
      cause,
    });
  }
}

/** 503: the request needs a worker host and none is alive. */
export class NoLiveHostError extends NoxError {
  constructor(detail = 'No worker host is alive') {
    super('nox:no-live-host', detail, { status: 503, title: 'Service unavailable' });
  }
}

/** 504: a round trip through the queues did not come back in time. */
export class TimeoutError extends NoxError {
  constructor(message: string) {
    super('nox:timeout', message, { status: 504, title: 'Timed out' });
  }
}

/** 409: the request conflicts with the current state. */
export class ConflictError extends NoxError {
  constructor(message: string, code = 'nox:conflict') {
    super(code, message, { status: 409, title: 'Conflict' });
  }
}

/** 429: too many requests in the window. */
export class RateLimitedError extends NoxError {
  constructor(retryAfterSeconds?: number) {
    super('nox:rate-limited', 'Too many requests; slow down', {
      status: 429,
      title: 'Too many requests',
      extensions: retryAfterSeconds === undefined ? {} : { retryAfter: retryAfterSeconds },
    });
  }
}
