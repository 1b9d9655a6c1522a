import { randomUUID } from 'node:crypto';
import { UnrecoverableError, type Job, type Worker } from 'bullmq';
import { errorFields, type Logger } from '../../shared/logger.js';
import { REGISTRY_JOB, type ChangeJob, type CommitResult } from '../../shared/registry/changes.js';
import type { ChangeOutcome } from './change-handler.js';

/**
 * Taking a group: BullMQ gives the writer's processor one job at a time (concurrency 1).
 * When that job is a change, the processor also takes the change jobs waiting behind it —
 * `Worker.getNextJob(token, { block: false })`, BullMQ's manual fetching
 * (https://docs.bullmq.io/patterns/manually-fetching-jobs) — so they are applied in queue
 * order and committed together. No waiting is added: a change that arrives alone is
 * committed alone; under load, what queued up during one commit is the next group.
 *
 * The taken jobs are the processor's to finish: their locks are renewed while the group
 * runs (BullMQ renews only the job it handed over) and each is moved to completed or
 * failed with its own outcome, which is what its waiting client receives. A writer killed
 * before that leaves them active; BullMQ's stalled check puts them back, and the next
 * writer applies them (the commit had not landed: the journal put the files back) or
 * answers each as a duplicate (it had: the ids are in its trailers). At-least-once delivery
 * plus applied-once by change id, as for a single change.
 *
 * A job of another kind (a flush, a rollback) ends the group: it is taken too and run
 * after the group, so the queue's order is kept.
 */
export interface TakenJob {
  job: Job;
  token: string;
}

export interface GroupBounds {
  /** most changes in one commit (the first included) */
  maxChanges: number;
  /** most bytes of change requests in one commit; the first change is always taken */
  maxBytes: number;
}

export interface TakenGroup {
  /** change jobs after the first, in queue order */
  changes: TakenJob[];
  /** a job of another kind that was next in the queue */
  next?: TakenJob;
}

const sizeOf = (job: Job): number => Buffer.byteLength(JSON.stringify(job.data));

export async function takeWaitingChanges(worker: Worker, first: Job, bounds: GroupBounds): Promise<TakenGroup> {
  const group: TakenGroup = { changes: [] };
  let bytes = sizeOf(first);
  while (group.changes.length + 1 < bounds.maxChanges && bytes < bounds.maxBytes) {
    const token = `${worker.id}:group-${randomUUID()}`;
    const job = await worker.getNextJob(token, { block: false });
    if (!job) break;
    if (job.name !== REGISTRY_JOB.change) {
      group.next = { job, token };
      break;
    }
    group.changes.push({ job, token });
    bytes += sizeOf(job);
  }
  return group;
}

/** Renews the taken jobs' locks every half lock duration until the returned stop is called. */
export function holdLocks(worker: Worker, taken: readonly TakenJob[], logger: Logger): () => void {
  if (taken.length === 0) return () => undefined;
  const duration = worker.opts.lockDuration ?? 30_000;
  const timer = setInterval(() => {
    worker
      .extendJobLocks(
        taken.map((t) => t.job.id as string),
        taken.map((t) => t.token),
        duration,
      )
      .then((lost) => {
        if (lost.length > 0) logger.warn('registry: lost the lock of taken jobs (they will run again, answered as duplicates)', { jobIds: lost });
      })
      .catch((err: unknown) => logger.warn('registry: cannot renew the locks of taken jobs', errorFields(err)));
  }, duration / 2);
  timer.unref();
  return () => clearInterval(timer);
}

/** Moves a taken job to completed (its result) or failed (its error: retried unless unrecoverable). */
export async function finishTaken(taken: TakenJob, outcome: { ok: true; result: unknown } | { ok: false; error: Error }, logger: Logger): Promise<void> {
  try {
    if (outcome.ok) await taken.job.moveToCompleted(outcome.result, taken.token, false);
    else {
      logger.warn('job failed', { queue: 'registry', jobId: taken.job.id, job: taken.job.name, attemptsMade: taken.job.attemptsMade, ...errorFields(outcome.error) });
      await taken.job.moveToFailed(outcome.error, taken.token, false);
    }
  } catch (err) {
    // the lock is gone (a stalled check moved it back): the job runs again and is answered from the trailers
    logger.warn('registry: cannot finish a taken job', { jobId: taken.job.id, ...errorFields(err) });
  }
}

export interface GroupRun {
  bounds: GroupBounds;
  logger: Logger;
  /** applies and commits the changes: one outcome per job (change-handler.ts) */
  apply: (jobs: readonly ChangeJob[]) => Promise<ChangeOutcome[]>;
  /** runs a job of another kind that ended the group */
  runOther: (job: Job) => Promise<unknown>;
  /** a failure that is not the caller's (for the writer's lastError) */
  failed: (err: Error) => void;
}

/**
 * The processor's work for a change job: take the changes waiting behind it, commit them
 * together, finish each taken job with its own outcome, run a job of another kind that
 * was next, and answer for the first job (BullMQ finishes it with what this returns or throws).
 */
export async function runChangeGroup(worker: Worker, first: Job, run: GroupRun): Promise<CommitResult> {
  const taken = await takeWaitingChanges(worker, first, run.bounds);
  const release = holdLocks(worker, [...taken.changes, ...(taken.next ? [taken.next] : [])], run.logger);
  const note = (o: ChangeOutcome | { ok: false; error: Error } | { ok: true }): void => {
    if (!o.ok && !(o.error instanceof UnrecoverableError)) run.failed(o.error);
  };
  try {
    const jobs = [first, ...taken.changes.map((t) => t.job)];
    // apply gives every job an outcome; should it throw all the same, every taken job still
    // fails now (and is retried) rather than waiting to be found stalled
    const outcomes = await run.apply(jobs.map((j) => j.data as ChangeJob)).catch((err: unknown) =>
      jobs.map((): ChangeOutcome => ({ ok: false, error: err instanceof Error ? err : new Error(String(err)) })),
    );
    outcomes.forEach(note);
    await Promise.all(taken.changes.map((t, i) => finishTaken(t, outcomes[i + 1]!, run.logger)));
    if (taken.next) {
      const next = taken.next;
      const outcome = await run.runOther(next.job).then(
        (result) => ({ ok: true as const, result }),
        (error: unknown) => ({ ok: false as const, error: error instanceof Error ? error : new Error(String(error)) }),
      );
      note(outcome);
      await finishTaken(next, outcome, run.logger);
    }
    const own = outcomes[0]!;
    if (!own.ok) throw own.error;
    return own.result;
  } finally {
    release();
  }
}
