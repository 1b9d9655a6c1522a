import type { ErrorRequestHandler, RequestHandler } from 'express';
import { ERROR_CATALOGUE, ERROR_CODE } from '../../shared/errors/codes.js';
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
  'entity.too.large': () => new NoxError(ERROR_CODE.payloadTooLarge, 'The body is larger than the limit'),
  'encoding.unsupported': () => new NoxError(ERROR_CODE.unsupportedEncoding, 'The body encoding is not supported'),
  'charset.unsupported': () => new NoxError(ERROR_CODE.unsupportedEncoding, 'The body charset is not supported'),
  'request.aborted': () => new NoxError(ERROR_CODE.requestAborted, 'The request was aborted'),
  'request.size.invalid': () => new ValidationError('The body length does not match Content-Length'),
  'entity.verify.failed': () => new ValidationError('The body failed verification'),
};

export function toNoxError(thrown: unknown): NoxError | Error {
  const type = (thrown as { type?: unknown } | null)?.type;
  if (typeof type === 'string' && BODY_ERRORS[type]) return BODY_ERRORS[type]();
  return coerceError(thrown);
}

/** `urn:nox:problem:<code without its nox: prefix>` */
const problemType = (code: string): string => `urn:nox:problem:${code.replace(/^nox:/, '')}`;

export function problemFor(err: Error, instance?: string, correlationId?: string): ProblemDocument {
  if (isNoxError(err)) {
    return {
      type: problemType(err.code),
      title: err.title,
      status: err.status,
      detail: err.message,
      code: err.code,
      instance,
      correlationId,
      ...err.extensions,
    };
  }
  const { code, title, status } = ERROR_CATALOGUE.internal;
  return {
    type: problemType(code),
    title,
    status,
    detail: 'Something went wrong on our side; the correlation id identifies it in the logs',
    code,
    instance,
    correlationId,
  };
}

export function sendProblem(res: Parameters<RequestHandler>[1], problem: ProblemDocument): void {
  if (problem.status === 503) res.setHeader('Retry-After', '1');
  if (problem.status === 429 && typeof problem.retryAfter === 'number') res.setHeader('Retry-After', String(problem.retryAfter));
  res.status(problem.status).type(PROBLEM_CONTENT_TYPE).send(JSON.stringify(problem));
}

const SAID_ELSEWHERE = new Set<string>([ERROR_CODE.redisUnavailable, ERROR_CODE.registryNotPublished]);

export function errorHandler(logger: Logger): ErrorRequestHandler {
  return (thrown, req, res, next) => {
    if (res.headersSent) return next(thrown);
    const err = toNoxError(thrown);
    const correlationId = res.locals.correlationId as string | undefined;
    const problem = problemFor(err, req.originalUrl, correlationId);
    // Expected conditions are said once where they arise, not per request: Redis down by its
    // connections (shared/redis-reachability.ts), a registry not yet published by the mirror
    if (problem.status >= 500 && !SAID_ELSEWHERE.has(problem.code)) {
      logger.log(problem.status === 500 ? 'error' : 'warn', 'request failed', { correlationId, path: req.originalUrl, method: req.method, status: problem.status, ...errorFields(thrown) });
    }
    sendProblem(res, problem);
  };
}

export const notFoundHandler: RequestHandler = (req, _res, next) => {
  next(new NotFoundError(`No route for ${req.method} ${req.path}`, ERROR_CODE.routeNotFound));
};
