import { randomUUID } from 'node:crypto';
import { ValidationError } from './errors/validation-error.js';

/** Agent ids, host ids and similar names that end up in paths and Redis keys. */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && ID_PATTERN.test(value);
}

/** Throws a ValidationError naming the field when `value` is not a safe id. */
export function assertValidId(value: unknown, field = 'id'): string {
  if (!isValidId(value)) {
    throw new ValidationError(`${field} must match ${ID_PATTERN.source}`, [
      { path: field, message: `must match ${ID_PATTERN.source}`, code: 'invalid_id' },
    ]);
  }
  return value;
}

export function newCorrelationId(): string {
  return randomUUID();
}
