import { ERROR_CODE } from './codes.js';
import { NoxError } from './nox-error.js';

export interface FieldIssue {
  /** dotted path of the failing field, e.g. `body.username` */
  path: string;
  message: string;
  code: string;
}

/** 400: the request (or a config file) does not have the shape it must have. */
export class ValidationError extends NoxError {
  readonly issues: FieldIssue[];
  constructor(message: string, issues: FieldIssue[] = []) {
    super(ERROR_CODE.validationFailed, message, { extensions: { errors: issues } });
    this.issues = issues;
  }
}
