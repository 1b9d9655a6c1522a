import { UnrecoverableError, type Job } from 'bullmq';
import { encodeJobError } from '../../shared/errors/job-errors.js';
import { isNoxError } from '../../shared/errors/nox-error.js';
import { RegistryChangeError } from '../../shared/errors/registry-errors.js';
import { changeRequestSchema, type ChangeJob, type CommitResult } from '../../shared/registry/changes.js';
import { compressedPathOf } from '../../shared/registry/layout.js';
import { planChange, writePlanned } from './apply-change.js';
import { commitChange, contentHash, type WriterState } from './writer-state.js';

/**
 * `registry.change`: one change request → one commit. A change id seen before is not
 * applied again (BullMQ may deliver a job twice; a caller may resend); the answer then
 * says `duplicate: true`. A request that cannot apply fails without retry.
 */
export async function handleChange(state: WriterState, job: Job<ChangeJob>): Promise<CommitResult> {
  const { actor, correlationId } = job.data;
  const parsed = changeRequestSchema.safeParse(job.data.request);
  if (!parsed.success) throw new UnrecoverableError(encodeJobError(new RegistryChangeError(`invalid change request: ${parsed.error.message}`)));
  const request = { ...parsed.data, id: job.data.request.id };
  if (state.applied.has(request.id)) {
    return { sha: null, changeId: request.id, actor, message: request.message, files: [], branch: state.branch, kind: 'change', duplicate: true };
  }
  return runRefusingBadInput(() => {
    const writes = planChange(state.dir, request.changes);
    for (const w of writes) if (w.rel.startsWith('tasks/') && w.content !== null) state.ownTaskWrites.set(w.rel, contentHash(w.content));
    const journalPaths = writes.flatMap((w) => (w.rel.includes('/conversations/') ? [w.rel, compressedPathOf(w.rel)] : [w.rel]));
    return commitChange(state, {
      changeId: request.id,
      actor,
      message: request.message,
      kind: 'change',
      correlationId,
      journalPaths,
      write: () => writePlanned(state.dir, writes),
    });
  });
}

/** NoxErrors (bad file, bad change) are the caller's to fix: fail at once, keep the code. */
export async function runRefusingBadInput<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isNoxError(err) && err.status < 500) throw new UnrecoverableError(encodeJobError(err));
    throw err;
  }
}

