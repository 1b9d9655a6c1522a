import { coerceError } from '../../shared/errors/coerce-error.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { NoxError } from '../../shared/errors/nox-error.js';

/**
 * Runs one act per agent, a few at a time, and keeps every outcome: a bulk act answers
 * with a result per agent, its failures said (code and detail), never hidden behind the
 * others' success (issue 21).
 */
export type BulkResult = { id: string; ok: true; result: Record<string, unknown> } | { id: string; ok: false; status: number; code: string; detail: string };

export async function runPerAgent(ids: readonly string[], concurrency: number, act: (id: string) => Promise<Record<string, unknown>>): Promise<BulkResult[]> {
  const results: BulkResult[] = new Array(ids.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < ids.length) {
      const i = next++;
      const id = ids[i] as string;
      try {
        results[i] = { id, ok: true, result: await act(id) };
      } catch (thrown) {
        const e = coerceError(thrown);
        results[i] = e instanceof NoxError ? { id, ok: false, status: e.status, code: e.code, detail: e.message } : { id, ok: false, status: 500, code: ERROR_CODE.internal, detail: e.message };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, lane));
  return results;
}

export function summarize(results: readonly BulkResult[]): { matched: number; succeeded: number; failed: number; results: readonly BulkResult[] } {
  const failed = results.filter((r) => !r.ok).length;
  return { matched: results.length, succeeded: results.length - failed, failed, results };
}
