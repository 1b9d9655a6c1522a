import { errorEntry, type ErrorCode } from './codes.js';

/**
 * The base of every error Nox raises on purpose. The `code` is stable (clients and tests
 * match on it) and comes from the catalogue (codes.ts), which gives the HTTP status and
 * title the API answers with; `api/http/problem.ts` maps these to application/problem+json
 * in one place.
 */
export interface NoxErrorOptions {
  /** only where one code answers with another status than the catalogue's (and the catalogue says when) */
  status?: number;
  title?: string;
  /** extra members of the problem document (e.g. `errors`, `retryAfter`) */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

export class NoxError extends Error {
  readonly code: ErrorCode;
  readonly status: number;
  readonly title: string;
  readonly extensions: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: NoxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const entry = errorEntry(code);
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? entry?.status ?? 500;
    this.title = options.title ?? entry?.title ?? 'Internal error';
    this.extensions = options.extensions ?? {};
  }
}

export function isNoxError(err: unknown): err is NoxError {
  return err instanceof NoxError;
}
