import { ERROR_CODE, type ErrorCodeWithStatus } from './codes.js';
import { NoxError } from './nox-error.js';

/** 401: no credentials, or credentials that do not verify. */
export class UnauthenticatedError extends NoxError {
  constructor(message = 'Authentication required', code: ErrorCodeWithStatus<401> = ERROR_CODE.unauthenticated) {
    super(code, message);
  }
}

/** 401 with its own code so clients know to log in again rather than give up. */
export class TokenExpiredError extends UnauthenticatedError {
  constructor() {
    super('The token has expired; log in again', ERROR_CODE.tokenExpired);
  }
}

/** 403: authenticated, but the role does not allow this. */
export class ForbiddenError extends NoxError {
  constructor(message = 'Your role does not allow this') {
    super(ERROR_CODE.forbidden, message);
  }
}

/** 401: the token verifies but was revoked (logout; its agent stopped or deleted). */
export class TokenRevokedError extends UnauthenticatedError {
  constructor() {
    super('The token was revoked; log in again', ERROR_CODE.tokenRevoked);
  }
}

/** 403: a change authenticated by the login cookie that did not come from this site (CSRF). */
export class CrossSiteRequestError extends NoxError {
  constructor() {
    super(ERROR_CODE.crossSiteRequest, 'A change authenticated by the login cookie must come from this site (its Origin) or carry X-Nox-Request: 1');
  }
}

/** 429: too many failed logins for this user name; even the right password waits. */
export class AccountLockedError extends NoxError {
  constructor(retryAfterSeconds: number) {
    super(ERROR_CODE.accountLocked, 'Too many failed logins for this user name; try again later', { extensions: { retryAfter: retryAfterSeconds } });
  }
}

/**
 * 403: an agent token asked for what belongs to another agent (its conversation, metrics,
 * memory, messages, subscriptions). Agent ids are public (GET /api/agents lists them), so
 * saying "not yours" leaks nothing; things addressed by their own id (tasks, messages,
 * approvals) answer 404 instead, as if they did not exist.
 */
export class NotOwnAgentError extends NoxError {
  constructor(self: string, other: string, what: string) {
    super(ERROR_CODE.notOwnAgent, `agent ${self} may not reach ${what} of agent ${other}: an agent token reaches only its own`);
  }
}

/** 403: a `/metrics` scrape from outside `metrics.allow` without the scrape token. */
export class MetricsForbiddenError extends NoxError {
  constructor() {
    super(ERROR_CODE.metricsForbidden, 'Scrape from an address in metrics.allow, or send Authorization: Bearer <metrics scrape_token>');
  }
}
