import { createHash } from 'node:crypto';
import type { SimpleGit } from 'simple-git';
import type { Logger } from '../../shared/logger.js';
import { REGISTRY_EVENT, type Actor, type CommitResult } from '../../shared/registry/changes.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { commitPaths, type CommitSpec } from './git-repo.js';
import { clearJournal, writeJournal } from './journal.js';

/**
 * What the writer's job handlers share, and the one path every commit takes:
 * journal → write files → git commit → clear journal → remember the id → event.
 */
export interface WriterState {
  ctx: NoxContext;
  dir: string;
  git: SimpleGit;
  logger: Logger;
  /** change ids already committed (read from commit trailers on start) */
  applied: Set<string>;
  /** highest append sequence number already committed */
  appendSeq: number;
  /** the checked-out branch (changed only by the branch handler) */
  branch: string;
  /** sha256 of the last content the writer itself wrote to each tasks/<id>.md (not echoed as edits) */
  ownTaskWrites: Map<string, string>;
  /** test hook: called at named points so a test can kill the writer there */
  fault?: (point: FaultPoint) => void;
}

export type FaultPoint = 'after-write' | 'after-commit';

export interface CommitInput {
  changeId: string;
  actor: Actor;
  message: string;
  kind: CommitResult['kind'];
  correlationId: string;
  /** every path the change may touch (for the journal), before writing */
  journalPaths: string[];
  /** writes the files; returns the paths to commit */
  write: () => string[] | Promise<string[]>;
  trailers?: CommitSpec['trailers'];
}

/** sha256 of a text, to recognise the writer's own writes when the watcher sees them. */
export function contentHash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

const APPLIED_REMEMBERED = 200_000;

export async function commitChange(state: WriterState, input: CommitInput): Promise<CommitResult> {
  writeJournal(state.dir, { changeId: input.changeId, paths: input.journalPaths });
  const paths = await input.write();
  state.fault?.('after-write');
  const sha = await commitPaths(state.git, {
    paths,
    message: input.message,
    actor: input.actor,
    trailers: { change: input.changeId, kind: input.kind, ...input.trailers },
  });
  state.fault?.('after-commit');
  clearJournal(state.dir);
  remember(state, input.changeId);
  const result: CommitResult = {
    sha,
    changeId: input.changeId,
    actor: input.actor,
    message: input.message,
    files: paths,
    branch: state.branch,
    kind: input.kind,
  };
  if (sha) {
    await state.ctx.events.publish({ type: REGISTRY_EVENT.commit, correlationId: input.correlationId, data: result });
    state.logger.debug('registry commit', { sha, changeId: input.changeId, files: paths.length, kind: input.kind });
  }
  return result;
}

export function remember(state: WriterState, changeId: string): void {
  state.applied.add(changeId);
  if (state.applied.size > APPLIED_REMEMBERED) {
    // Sets iterate in insertion order: drop the oldest. BullMQ's jobId dedupe covers recent repeats too.
    const oldest = state.applied.values().next().value;
    if (oldest !== undefined) state.applied.delete(oldest);
  }
}
