import type { ErrorCodeWithStatus } from './codes.js';
import { NoxError } from './nox-error.js';

/** 404. `code` names what is missing, e.g. `ERROR_CODE.agentNotFound`. */
export class NotFoundError extends NoxError {
  constructor(message: string, code: ErrorCodeWithStatus<404>) {
    super(code, message);
  }
}
