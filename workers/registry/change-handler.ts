import { UnrecoverableError } from 'bullmq';
import { encodeJobError } from '../../shared/errors/job-errors.js';
import { isNoxError } from '../../shared/errors/nox-error.js';
import { RegistryChangeError } from '../../shared/errors/registry-errors.js';
import { changeRequestSchema, type ChangeJob, type CommitResult } from '../../shared/registry/changes.js';
import { journalPathsOf, writePlanned } from './apply-change.js';
import { createWorkspace } from './workspace.js';
import { commitGroup, contentHash, type CommitEntry, type WriterState } from './writer-state.js';

/**
 * `registry.change` jobs → one commit for a group of them (the jobs waiting together in the
 * queue; change-group.ts takes them). Each change is applied in queue order to the files as
 * the changes before it left them, and keeps its own answer:
 * - a change id seen before is not applied again (BullMQ may deliver a job twice; a caller
 *   may resend): `duplicate: true`, with the sha of the commit that applied it;
 * - a request that cannot apply (invalid, a broken file, a result the schema refuses) fails
 *   alone, without retry, with the same error code as when it was alone — the rest commit;
 * - the others share one commit (one sha), each with its own `files`.
 * If the commit itself fails (git), every applied change of the group fails and is retried.
 * Never throws: every job gets an outcome.
 */
export type ChangeOutcome = { ok: true; result: CommitResult } | { ok: false; error: Error };

export async function handleChangeGroup(state: WriterState, jobs: readonly ChangeJob[]): Promise<ChangeOutcome[]> {
  const outcomes: ChangeOutcome[] = [];
  const workspace = createWorkspace(state.dir, state.docs);
  const kept: { index: number; entry: CommitEntry }[] = [];
  const repeats: { index: number; of: string }[] = [];
  const inGroup = new Set<string>();

  for (const [index, job] of jobs.entries()) {
    const { actor, correlationId } = job;
    const id = job.request.id;
    const parsed = changeRequestSchema.safeParse(job.request);
    if (!parsed.success) {
      outcomes[index] = { ok: false, error: refusalOf(new RegistryChangeError(`invalid change request: ${parsed.error.message}`)) };
    } else if (state.applied.has(id)) {
      outcomes[index] = { ok: true, result: { sha: state.applied.get(id) ?? null, changeId: id, actor, message: parsed.data.message, files: [], branch: state.branch, kind: 'change', duplicate: true } };
    } else if (inGroup.has(id)) {
      repeats.push({ index, of: id });
    } else {
      try {
        const touched = workspace.apply(parsed.data.changes);
        inGroup.add(id);
        kept.push({ index, entry: { changeId: id, actor, message: parsed.data.message, correlationId, touched } });
      } catch (err) {
        outcomes[index] = { ok: false, error: refusalOf(err) };
      }
    }
  }
  if (kept.length === 0) return outcomes;

  const writes = workspace.render();
  for (const w of writes) if (w.rel.startsWith('tasks/') && w.content !== null) state.ownTaskWrites.set(w.rel, contentHash(w.content));
  const changeIds = kept.map((k) => k.entry.changeId);
  let results: CommitResult[];
  try {
    results = await commitGroup(state, {
      entries: kept.map((k) => k.entry),
      kind: 'change',
      journalPaths: journalPathsOf(writes),
      write: () => {
        const paths: string[] = [];
        for (const [i, w] of writes.entries()) {
          paths.push(...writePlanned(state.dir, [w]));
          if (i === 0) state.fault?.('mid-write', { changeIds });
        }
        workspace.remember(writes);
        return paths;
      },
    });
  } catch (err) {
    // git failed: every change of the commit fails and is retried (the files went back to HEAD)
    const error = err instanceof Error ? err : new Error(String(err));
    for (const k of kept) outcomes[k.index] = { ok: false, error };
    for (const r of repeats) outcomes[r.index] = { ok: false, error };
    return outcomes;
  }
  for (const [j, k] of kept.entries()) outcomes[k.index] = { ok: true, result: results[j]! };
  for (const r of repeats) {
    const first = results[changeIds.indexOf(r.of)]!;
    outcomes[r.index] = { ok: true, result: { ...first, files: [], duplicate: true } };
  }
  return outcomes;
}

/** NoxErrors (bad file, bad change) are the caller's to fix: fail at once, keep the code. Anything else may pass: retried. */
export function refusalOf(err: unknown): Error {
  if (isNoxError(err) && err.status < 500) return new UnrecoverableError(encodeJobError(err));
  return err instanceof Error ? err : new Error(String(err));
}

/** Runs fn; a refusal (see refusalOf) is thrown as UnrecoverableError. */
export async function runRefusingBadInput<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw refusalOf(err);
  }
}
