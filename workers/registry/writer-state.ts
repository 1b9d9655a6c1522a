import { createHash } from 'node:crypto';
import type { SimpleGit } from 'simple-git';
import type { Logger } from '../../shared/logger.js';
import { REGISTRY_EVENT, type Actor, type CommitResult } from '../../shared/registry/changes.js';
import { commitMessage } from '../../shared/registry/commit-format.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { DocCache } from './doc-cache.js';
import { commitPaths } from './git-commit.js';
import { headHolds } from './git-repo.js';
import { publishCommit } from './registry-publisher.js';
import { clearJournal, restoreToHead, writeJournal } from './journal.js';

/**
 * What the writer's job handlers share, and the one path every commit takes:
 * journal → write files → git commit → clear journal → remember the ids → events.
 * A commit carries one change or a group of them (change-group.ts); the path is the same.
 */
export interface WriterState {
  ctx: NoxContext;
  dir: string;
  git: SimpleGit;
  logger: Logger;
  /** change ids already committed → the sha of their commit (null: applied, nothing changed); read from commit trailers on start */
  applied: Map<string, string | null>;
  /** highest append sequence number already committed */
  appendSeq: number;
  /** the checked-out branch (changed only by the branch handler) */
  branch: string;
  /** sha256 of the last content the writer itself wrote to each tasks/<id>.md (not echoed as edits) */
  ownTaskWrites: Map<string, string>;
  /** the files the writer read or wrote, parsed, kept between groups */
  docs: DocCache;
  /** test hook: called at named points so a test can kill the writer there */
  fault?: (point: FaultPoint, at: { changeIds: readonly string[] }) => void;
}

/** `mid-write`: the first file of a commit is written, the others are not */
export type FaultPoint = 'mid-write' | 'after-write' | 'after-commit';

export interface CommitEntry {
  changeId: string;
  actor: Actor;
  message: string;
  correlationId: string;
  /** the paths this change touched (its `files` are those of them the commit holds); all of the commit's when absent */
  touched?: readonly string[];
}

export interface CommitInput {
  entries: CommitEntry[];
  kind: CommitResult['kind'];
  /** every path the commit may touch (for the journal), before writing */
  journalPaths: string[];
  /** writes the files; returns the paths to commit */
  write: () => string[] | Promise<string[]>;
  trailers?: { appendSeq?: string };
}

/** sha256 of a text, to recognise the writer's own writes when the watcher sees them. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** change ids the writer keeps (and reads back from the history on start) */
export const APPLIED_REMEMBERED = 200_000;

/** Commits the entries' files as one commit; one CommitResult per entry (same sha, its own files). */
export async function commitGroup(state: WriterState, input: CommitInput): Promise<CommitResult[]> {
  const changeIds = input.entries.map((e) => e.changeId);
  writeJournal(state.dir, { changeIds, paths: input.journalPaths });
  let sha: string | null;
  let paths: string[];
  try {
    paths = await input.write();
    state.fault?.('after-write', { changeIds });
    sha = await commitPaths(state.dir, { paths, ...commitMessage(input.entries, input.kind, input.trailers) });
    state.fault?.('after-commit', { changeIds });
  } catch (err) {
    await settleFailedCommit(state, changeIds, input.journalPaths);
    throw err;
  }
  clearJournal(state.dir);
  for (const id of changeIds) remember(state, id, sha);
  const results = input.entries.map((e): CommitResult => {
    const touched = e.touched ? new Set(e.touched) : undefined;
    return {
      sha,
      changeId: e.changeId,
      actor: e.actor,
      message: e.message,
      files: touched ? paths.filter((p) => touched.has(p) || (p.endsWith('.gz') && touched.has(p.slice(0, -3)))) : paths,
      branch: state.branch,
      kind: input.kind,
    };
  });
  if (sha) {
    // readers on every host read what was published, so the files go to Redis before anyone hears of the commit
    const version = await publishCommit(state, sha, paths);
    for (const r of results) r.version = version;
    // issued in one turn: ioredis pipelines them, in order
    await Promise.all(results.map((data, i) => state.ctx.events.publish({ type: REGISTRY_EVENT.commit, correlationId: input.entries[i]!.correlationId, data })));
    state.logger.debug('registry commit', { sha, changes: changeIds.length, changeId: changeIds[0], files: paths.length, kind: input.kind });
  }
  return results;
}

/** One entry's commit (flushes, rollbacks, compaction, external edits). */
export async function commitChange(state: WriterState, input: Omit<CommitInput, 'entries'> & Omit<CommitEntry, 'touched'>): Promise<CommitResult> {
  const { changeId, actor, message, correlationId, ...rest } = input;
  const [result] = await commitGroup(state, { ...rest, entries: [{ changeId, actor, message, correlationId }] });
  return result!;
}

/**
 * A write or commit that failed while this writer lives: the files must not stay half
 * written under a journal the next commit would overwrite. If the commit landed after all
 * (git failed later), its ids are remembered; otherwise the paths go back to HEAD. Either
 * way the jobs fail and are retried, and a retry of a landed change is answered as a duplicate.
 */
async function settleFailedCommit(state: WriterState, changeIds: readonly string[], paths: readonly string[]): Promise<void> {
  try {
    const landed = await headHolds(state.git, changeIds[0]!);
    if (landed) for (const id of changeIds) remember(state, id, landed);
    else await restoreToHead(state.dir, state.git, paths);
    clearJournal(state.dir);
  } catch (err) {
    // the journal stays: the next start repairs
    state.logger.warn('registry: could not settle a failed commit; the next start repairs it', { error: (err as Error).message });
  }
  for (const p of paths) state.docs.forget(p);
}

export function remember(state: WriterState, changeId: string, sha: string | null): void {
  state.applied.set(changeId, sha);
  if (state.applied.size > APPLIED_REMEMBERED) {
    // Maps iterate in insertion order: drop the oldest. BullMQ's jobId dedupe covers recent repeats too.
    const oldest = state.applied.keys().next().value;
    if (oldest !== undefined) state.applied.delete(oldest);
  }
}
