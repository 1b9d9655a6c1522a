import { ERROR_CODE } from '../../../shared/errors/codes.js';

/**
 * Errors from the API as the dashboard sees them. The API answers every error as RFC 9457
 * problem+json with a stable `code`; this turns that (or a network failure) into one
 * Error type whose message is fit to show a person.
 */
export interface ProblemDocument {
  type?: string;
  title?: string;
  status?: number;
  detail?: string;
  code?: string;
  correlationId?: string;
  errors?: { path?: string; message?: string }[];
  [extension: string]: unknown;
}

/**
 * The codes of errors that never came from the API (so they are not in its catalogue,
 * shared/errors/codes.ts): the API could not be reached, or the dashboard itself failed.
 */
export const CLIENT_CODE = {
  network: 'nox:network',
  client: 'nox:client',
} as const;

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly problem?: ProblemDocument,
  ) {
    super(message);
  }

  /** The route does not exist in this version of the API (a feature not landed yet). */
  get unavailable(): boolean {
    return this.status === 404 && this.code === ERROR_CODE.routeNotFound;
  }
}

/** A readable message: the detail, the field errors of a validation problem, the correlation id of a 500. */
export function messageOf(problem: ProblemDocument, status: number): string {
  let message = problem.detail || problem.title || `Request failed (${status})`;
  const fields = (problem.errors ?? []).filter((e) => e.message).map((e) => (e.path ? `${e.path}: ${e.message}` : e.message));
  if (fields.length > 0) message += ` — ${fields.join('; ')}`;
  if (status >= 500 && problem.correlationId) message += ` (correlation id ${problem.correlationId})`;
  return message;
}

export async function errorFromResponse(res: Response): Promise<ApiError> {
  const type = res.headers.get('content-type') ?? '';
  if (/json/.test(type)) {
    const problem = (await res.json().catch(() => ({}))) as ProblemDocument;
    return new ApiError(res.status, problem.code ?? `http:${res.status}`, messageOf(problem, res.status), problem);
  }
  return new ApiError(res.status, `http:${res.status}`, `${res.status} ${res.statusText || 'error'}`);
}

export function describeError(err: unknown): string {
  if (err instanceof Error) return err.message;
  return String(err);
}
