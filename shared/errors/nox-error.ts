/**
 * The base of every error Nox raises on purpose. The `code` is stable (clients and tests
 * match on it); `status` is the HTTP status the API answers with. `api/problem.ts` maps
 * these to application/problem+json in one place.
 */
export interface NoxErrorOptions {
  status?: number;
  title?: string;
  /** extra members of the problem document (e.g. `errors`, `retryAfter`) */
  extensions?: Record<string, unknown>;
  cause?: unknown;
}

export class NoxError extends Error {
  readonly code: string;
  readonly status: number;
  readonly title: string;
  readonly extensions: Record<string, unknown>;

  constructor(code: string, message: string, options: NoxErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.title = options.title ?? 'Internal error';
    this.extensions = options.extensions ?? {};
  }
}

export function isNoxError(err: unknown): err is NoxError {
  return err instanceof NoxError;
}
