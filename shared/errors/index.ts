export { NoxError, isNoxError, type NoxErrorOptions } from './nox-error.js';
export { ValidationError, type FieldIssue } from './validation-error.js';
export { NotFoundError } from './not-found-error.js';
export { UnauthenticatedError, TokenExpiredError, TokenRevokedError, ForbiddenError, CrossSiteRequestError, AccountLockedError, MetricsForbiddenError } from './auth-errors.js';
export {
  RedisUnavailableError,
  NoLiveHostError,
  TimeoutError,
  ConflictError,
  RateLimitedError,
} from './service-errors.js';
export { ConfigError } from './config-error.js';
export { coerceError, isRedisDownError } from './coerce-error.js';
