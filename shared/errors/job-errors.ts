import { UnrecoverableError } from 'bullmq';
import { isErrorCode, type ErrorCode } from './codes.js';
import { isNoxError, NoxError } from './nox-error.js';
import { RegistryChangeError } from './registry-errors.js';

/**
 * BullMQ keeps only a string (`failedReason`) of a failed job, so an error that must reach
 * the caller waiting on the job travels as text, in one of two forms:
 *
 * - `<code>: <message>` (failureReason): a handler refusing a client's mistake (the task
 *   and agent handlers); the waiting side reads the code back with parseFailureReason.
 * - `nox-error <json>` (encodeJobError): the registry writer sends the whole NoxError
 *   (status, title, extensions) so its client raises the same error (a 422 for a broken
 *   file, a 404 for an unknown commit) instead of a generic 500.
 */
export function failureReason(code: ErrorCode, message: string): string {
  return `${code}: ${message}`;
}

/** The code and message of a `<code>: <message>` failure; undefined when it starts with no catalogue code. */
export function parseFailureReason(reason: string): { code: ErrorCode; message: string } | undefined {
  const [, code, message] = /^(nox:[a-z-]+): (.*)$/s.exec(reason) ?? [];
  return code !== undefined && message !== undefined && isErrorCode(code) ? { code, message } : undefined;
}

/** A client's mistake (a NoxError under 500) fails the job for good: no retry would change the answer. Anything else is thrown as it is, to be retried. */
export function failOnClientMistake(err: unknown): never {
  if (isNoxError(err) && err.status < 500) throw new UnrecoverableError(failureReason(err.code, err.message));
  throw err;
}

const MARK = 'nox-error ';

export function encodeJobError(err: NoxError): string {
  return `${MARK}${JSON.stringify({ code: err.code, message: err.message, status: err.status, title: err.title, extensions: err.extensions })}`;
}

export function decodeJobError(reason: string): Error {
  if (reason.startsWith(MARK)) {
    try {
      // the writer encodes NoxErrors only, so the code is one of the catalogue's
      const e = JSON.parse(reason.slice(MARK.length)) as { code: ErrorCode; message: string; status: number; title: string; extensions: Record<string, unknown> };
      return new NoxError(e.code, e.message, { status: e.status, title: e.title, extensions: e.extensions });
    } catch {
      // fall through
    }
  }
  return new RegistryChangeError(reason || 'the registry writer failed the change');
}
