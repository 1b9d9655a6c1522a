import { reportLoopError } from '../../shared/redis-reachability.js';
import { METRIC } from '../../shared/metrics/catalogue.js';
import { mkdirSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { UnrecoverableError, type Job, type Worker, type WorkerOptions } from 'bullmq';
import type { Logger } from '../../shared/logger.js';
import { REGISTRY_JOB, REGISTRY_PRIORITY, type BackupJob, type BranchJob, type ChangeJob, type PurgeSecretsJob, type RollbackJob } from '../../shared/registry/changes.js';
import { utcDate } from '../../shared/registry/layout.js';
import { priorityOf } from '../../shared/queues/priority.js';
import { closeWorker, createWorker } from '../../shared/queues/queue-factory.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { flushAppends } from './append-flush.js';
import { runChangeGroup } from './change-group.js';
import { handleChangeGroup } from './change-handler.js';
import { compactClosedDays } from './conversation-compactor.js';
import { createDocCache } from './doc-cache.js';
import { commitExternalEdits } from './external-edits.js';
import { closeCommitShell } from './git-commit.js';
import { abandonMergeInProgress, currentBranch, ensureRepo, gitFor, readAppliedMarks, removeStaleLocks } from './git-repo.js';
import { handleBackup, handleBranch, handlePurgeSecrets, handleRollback } from './history-handlers.js';
import { repairFromJournal } from './journal.js';
import { publishSnapshot } from './registry-publisher.js';
import { startTaskWatcher, type TaskWatcher } from './task-watcher.js';
import { createWriterLease } from './writer-lease.js';
import { APPLIED_REMEMBERED, type WriterState } from './writer-state.js';

/**
 * The registry writer: the only process that writes `.nox-registry/`. It consumes the
 * `registry` queue at concurrency 1 (so git never sees two writers, and changes apply in
 * queue order), holds a lease in Redis (so a second writer process waits), and on start
 * repairs what a killed writer left: stale git locks, temp files, a half-applied commit.
 * Changes waiting together in the queue are committed together (change-group.ts,
 * change-handler.ts), at most `registry.group_max` changes / `group_max_bytes` per commit.
 *
 * Started by `nox worker --registry-writer` (and so by `nox up`).
 */
export interface RegistryWriterOptions {
  /** BullMQ worker overrides (tests shorten lockDuration/stalledInterval) */
  worker?: Partial<WorkerOptions>;
  /** watch tasks/*.md for people's edits. Default true. */
  watchTasks?: boolean;
  /** TEST ONLY: called at named points of a commit, so a test can kill the process there */
  fault?: WriterState['fault'];
  /** a stop that arrives while it waits for the lease (another writer holds it) ends the wait */
  signal?: AbortSignal;
}

export interface RegistryWriter {
  readonly state: WriterState;
  readonly worker: Worker;
  readonly tasks: TaskWatcher | undefined;
  readonly lastError: Error | undefined;
  readonly lastRunAt: number;
  /** what the start-up repair did, for logs and tests */
  readonly repaired: { locks: string[]; mergeAbandoned?: boolean; journal?: { changeIds: string[]; restored: string[] }; external?: string[] };
  close(): Promise<void>;
}

export async function startRegistryWriter(ctx: NoxContext, options: RegistryWriterOptions = {}): Promise<RegistryWriter> {
  const cfg = ctx.config.registry;
  const dir = ctx.config.registryDir;
  const logger: Logger = ctx.logger.child({ component: 'registry-writer', registryDir: dir });
  const lease = createWriterLease(ctx.redis, ctx.keys.registryWriter(), cfg.writer_lease_ms, logger);
  await lease.acquire(options.signal);

  mkdirSync(dir, { recursive: true });
  const init = await ensureRepo(dir, cfg.default_branch);
  const locks = removeStaleLocks(dir);
  const git = gitFor(dir);
  const mergeAbandoned = await abandonMergeInProgress(git);
  const marks = await readAppliedMarks(dir, { maxIds: APPLIED_REMEMBERED });
  const state: WriterState = {
    ctx,
    dir,
    git,
    logger,
    applied: marks.changeIds,
    appendSeq: marks.appendSeq,
    branch: await currentBranch(git),
    ownTaskWrites: new Map(),
    docs: createDocCache(dir),
    fault: options.fault,
  };
  const journal = await repairFromJournal(dir, git, (id) => state.applied.has(id));
  const external = await commitExternalEdits(state, randomUUID());
  const repaired = { locks, ...(mergeAbandoned ? { mergeAbandoned } : {}), ...(journal ? { journal } : {}), ...(external ? { external: external.files } : {}) };
  if (init.created || locks.length || mergeAbandoned || journal || external) logger.info('registry ready', { created: init.created, ...repaired });
  // hosts on other machines read the registry from Redis: what is there now may be another
  // folder's or an older run's, so the whole tree is published before any change is taken
  await publishSnapshot(state, randomUUID());

  let lastError: Error | undefined;
  let lastRunAt = 0;
  let compactedOn = '';

  /** every job but a change (a change is committed with those waiting behind it: change-group.ts) */
  const runJob = async (job: Job): Promise<unknown> => {
    switch (job.name) {
      case REGISTRY_JOB.flush: {
        const result = await flushAppends(state, job.data.correlationId, { fullBatchesOnly: job.data.fullBatchesOnly === true });
        // Every flush also closes finished days (cheap: a folder listing per agent), so a
        // late line that reopened a closed day is compressed again at the next flush.
        const today = utcDate();
        await compactClosedDays(state, job.data.correlationId, today);
        compactedOn = today;
        return result;
      }
      case REGISTRY_JOB.rollback:
        return await handleRollback(state, job.data as RollbackJob);
      case REGISTRY_JOB.branch:
        return await handleBranch(state, job.data as BranchJob);
      case REGISTRY_JOB.backup:
        return await handleBackup(state, job.data as BackupJob);
      case REGISTRY_JOB.purgeSecrets:
        return await handlePurgeSecrets(state, job.data as PurgeSecretsJob);
      default:
        throw new UnrecoverableError(`no handler for registry job "${job.name}"`);
    }
  };

  const group = {
    bounds: { maxChanges: cfg.group_max, maxBytes: cfg.group_max_bytes },
    logger,
    apply: async (jobs: readonly ChangeJob[]) => {
      const stopTimer = ctx.metrics.histogram(METRIC.registryCommitDuration).startTimer();
      const outcomes = await handleChangeGroup(state, jobs);
      stopTimer();
      ctx.metrics.counter(METRIC.registryChanges).inc(outcomes.filter((o) => o.ok).length);
      return outcomes;
    },
    runOther: runJob,
    failed: (err: Error) => void (lastError = err),
  };

  // health (lastError/lastRunAt): the outcome of the latest run, so a writer that failed once
  // and works again is healthy again
  const processor = async (job: Job): Promise<unknown> => {
    lastError = undefined;
    try {
      const result = job.name === REGISTRY_JOB.change ? await runChangeGroup(worker, job, group) : await runJob(job);
      lastRunAt = Date.now();
      return result;
    } catch (err) {
      if (!(err instanceof UnrecoverableError)) lastError = err as Error;
      throw err;
    }
  };

  const worker = createWorker('registry', processor, ctx.connect('blocking', 'registry-writer'), ctx.keys, logger, {
    concurrency: 1, // the point of the writer: git never sees two writers
    ...options.worker,
  });
  lease.onLost(() => void closeWorker(worker, true));

  // Batched appends are committed every flush_interval_ms (or sooner, when a client sees
  // the buffer reach flush_max_entries). The flush goes through the queue like any change.
  const queue = ctx.queue('registry');
  const tick = async (): Promise<void> => {
    try {
      const waiting = await ctx.redis.llen(ctx.keys.registryAppends());
      if (waiting > 0 || compactedOn !== utcDate()) {
        await queue.add(
          REGISTRY_JOB.flush,
          { correlationId: randomUUID(), actor: 'system' },
          { deduplication: { id: 'registry-flush' }, priority: priorityOf(REGISTRY_PRIORITY.flush) },
        );
      }
    } catch (err) {
      lastError = err as Error;
      reportLoopError(logger, 'registry flush tick failed', err);
    }
  };
  const timer = setInterval(() => void tick(), cfg.flush_interval_ms);
  timer.unref();

  const tasks =
    options.watchTasks === false
      ? undefined
      : await startTaskWatcher(ctx, state, logger).catch(async (err: unknown) => {
          // nothing of a failed start keeps running on a context its caller is about to close
          clearInterval(timer);
          await closeWorker(worker);
          await lease.release();
          throw err;
        });
  logger.info('registry writer started', { branch: state.branch, appliedIds: state.applied.size, appendSeq: state.appendSeq });

  return {
    state,
    worker,
    tasks,
    repaired,
    get lastError() {
      return lastError ?? lease.lastError;
    },
    get lastRunAt() {
      return lastRunAt;
    },
    async close() {
      clearInterval(timer);
      await tasks?.close();
      await closeWorker(worker);
      closeCommitShell(dir);
      await lease.release();
      logger.info('registry writer stopped');
    },
  };
}
