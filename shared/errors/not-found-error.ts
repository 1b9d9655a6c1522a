import { NoxError } from './nox-error.js';

/** 404. `code` names what is missing, e.g. `nox:agent-not-found`. */
export class NotFoundError extends NoxError {
  constructor(message: string, code = 'nox:not-found') {
    super(code, message, { status: 404, title: 'Not found' });
  }
}
