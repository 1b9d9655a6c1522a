import { NoxError } from './nox-error.js';

/** 401: no credentials, or credentials that do not verify. */
export class UnauthenticatedError extends NoxError {
  constructor(message = 'Authentication required', code = 'nox:unauthenticated') {
    super(code, message, { status: 401, title: 'Unauthenticated' });
  }
}

/** 401 with its own code so clients know to log in again rather than give up. */
export class TokenExpiredError extends UnauthenticatedError {
  constructor() {
    super('The token has expired; log in again', 'nox:token-expired');
  }
}

/** 403: authenticated, but the role does not allow this. */
export class ForbiddenError extends NoxError {
  constructor(message = 'Your role does not allow this') {
    super('nox:forbidden', message, { status: 403, title: 'Forbidden' });
  }
}
