import { NoxError } from './nox-error.js';
import { RegistryChangeError } from './registry-errors.js';

/**
 * BullMQ keeps only a string (`failedReason`) of a failed job. The writer encodes its
 * NoxErrors as `<code> <json>` so the client that waits can raise the same error class
 * (a 422 for a broken file, a 404 for an unknown commit) instead of a generic 500.
 */
const MARK = 'nox-error ';

export function encodeJobError(err: NoxError): string {
  return `${MARK}${JSON.stringify({ code: err.code, message: err.message, status: err.status, title: err.title, extensions: err.extensions })}`;
}

export function decodeJobError(reason: string): Error {
  if (reason.startsWith(MARK)) {
    try {
      const e = JSON.parse(reason.slice(MARK.length)) as { code: string; message: string; status: number; title: string; extensions: Record<string, unknown> };
      return new NoxError(e.code, e.message, { status: e.status, title: e.title, extensions: e.extensions });
    } catch {
      // fall through
    }
  }
  return new RegistryChangeError(reason || 'the registry writer failed the change');
}
