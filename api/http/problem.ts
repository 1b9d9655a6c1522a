import type { ErrorRequestHandler, RequestHandler } from 'express';
import { coerceError, isNoxError, NotFoundError, NoxError, ValidationError } from '../../shared/errors/index.js';
import { errorFields, type Logger } from '../../shared/logger.js';

/**
 * The one place errors become HTTP answers: RFC 9457 problem+json with a stable `code`.
 * A client's mistake is never a 500: body-parser's errors (bad JSON, too large, wrong
 * charset) are mapped by their `type`; only unexpected throws are 500, and those are
 * logged with their cause while the client sees a generic detail.
 */
export interface ProblemDocument {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  correlationId?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** body-parser / raw-body error types that are the client's fault */
const BODY_ERRORS: Record<string, () => NoxError> = {
  'entity.parse.failed': () => new ValidationError('The body is not valid JSON'),
  'entity.too.large': () =>
    new NoxError('nox:payload-too-large', 'The body is larger than the limit', { status: 413, title: 'Payload too large' }),
  'encoding.unsupported': () =>
    new NoxError('nox:unsupported-encoding', 'The body encoding is not supported', { status: 415, title: 'Unsupported media type' }),
  'charset.unsupported': () =>
    new NoxError('nox:unsupported-encoding', 'The body charset is not supported', { status: 415, title: 'Unsupported media type' }),
  'request.aborted': () => new NoxError('nox:request-aborted', 'The request was aborted', { status: 400, title: 'Bad request' }),
  'request.size.invalid': () => new ValidationError('The body length does not match Content-Length'),
  'entity.verify.failed': () => new ValidationError('The body failed verification'),
};

export function toNoxError(thrown: unknown): NoxError | Error {
  const type = (thrown as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && BODY_ERRORS[type]) return BODY_ERRORS[type]();
  return coerceError(thrown);
}

export function problemFor(err: Error, instance?: string, correlationId?: string): ProblemDocument {
  if (isNoxError(err)) {
    return {
      type: `urn:nox:problem:${err.code.replace(/^nox:/, '')}`,
      title: err.title,
      status: err.status,
      detail: err.message,
      code: err.code,
      instance,
      correlationId,
      ...err.extensions,
    };
  }
  return {
    type: 'urn:nox:problem:internal',
    title: 'Internal error',
    status: 500,
    detail: 'Something went wrong on our side; the correlation id identifies it in the logs',
    code: 'nox:internal',
    instance,
    correlationId,
  };
}

export function sendProblem(res: Parameters<RequestHandler>[1], problem: ProblemDocument): void {
  if (problem.status === 503) res.setHeader('Retry-After', '1');
  if (problem.status === 429 && typeof problem.retryAfter === 'number') res.setHeader('Retry-After', String(problem.retryAfter));
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (thrown, req, res, next) => {
    if (res.headersSent) return next(thrown);
    const err = toNoxError(thrown);
    const correlationId = res.locals.correlationId as string | undefined;
    const problem = problemFor(err, req.originalUrl, correlationId);
    if (problem.status >= 500) {
      logger.log(problem.status === 500 ? 'error' : 'warn', 'request failed', { correlationId, path: req.originalUrl, method: req.method, status: problem.status, ...errorFields(thrown) });
    }
    sendProblem(res, problem);
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}`, 'nox:route-not-found'));
};
