import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import type { Actor } from '../../shared/registry/changes.js';
import { authorOf, TRAILER } from '../../shared/registry/commit-format.js';
import { RUNTIME_DIR } from '../../shared/registry/layout.js';
import { TEMP_SUFFIX } from '../../shared/registry/toml-io.js';

/**
 * The registry's git repository, as the single writer uses it. Commits name the actor as
 * author (the writer is the committer) and carry trailers the writer reads back on start
 * (shared/registry/commit-format.ts): `Nox-Change` (applied-once by change id) and
 * `Nox-Append-Seq` (the batch watermark).
 */
export const COMMITTER = { name: 'Nox registry writer', email: 'registry@nox.local' };

export function gitFor(dir: string): SimpleGit {
  return simpleGit({
    baseDir: dir,
    maxConcurrentProcesses: 1,
    config: [`user.name=${COMMITTER.name}`, `user.email=${COMMITTER.email}`, 'core.quotePath=false', 'commit.gpgSign=false'],
  });
}

export interface CommitSpec {
  paths: string[];
  /** the whole message: subject, body, trailers (commitMessage) */
  message: string;
  author: Actor;
}

/**
 * Stages exactly `paths` (new, changed or deleted) and commits them. Returns the new sha,
 * or null when nothing in those paths differs from HEAD.
 */
export async function commitPaths(git: SimpleGit, spec: CommitSpec): Promise<string | null> {
  if (spec.paths.length === 0) return null;
  // Why -v and no -q below: simple-git waits an extra 50 ms for a git process that printed
  // nothing (its completion-detection plugin), which tripled the cost of a commit.
  await git.raw(['add', '-A', '-v', '--', ...spec.paths]);
  let out: string;
  try {
    out = await git.raw(['commit', '--no-verify', '--no-status', '--author', authorOf(spec.author), '-m', spec.message, '--', ...spec.paths]);
  } catch (err) {
    if (/nothing (added )?to commit|no changes added to commit/i.test((err as Error).message)) return null;
    throw err;
  }
  // A commit prints "[branch abc1234] subject"; "nothing to commit" exits 1 with only stdout,
  // which simple-git does not treat as an error.
  if (!/^\[[^\]]* [0-9a-f]{7,40}\]/m.test(out)) {
    if (/nothing (added )?to commit|no changes added to commit/i.test(out)) return null;
    throw new Error(`git commit did not commit: ${out.slice(0, 300)}`);
  }
  return (await git.revparse(['HEAD'])).trim();
}

/**
 * Makes `dir` a git repository with a first commit if it is not one yet. `.runtime/`
 * (Redis data, up.json, the writer's journal) is ignored so it is never committed.
 */
export async function ensureRepo(dir: string, branch: string): Promise<{ created: boolean }> {
  const git = gitFor(dir);
  const ignore = path.join(dir, '.gitignore');
  if (!existsSync(ignore)) writeFileSync(ignore, `# process state, never committed\n${RUNTIME_DIR}/\n`);
  if (existsSync(path.join(dir, '.git'))) return { created: false };
  await git.init(['-q', `--initial-branch=${branch}`]);
  await git.raw(['add', '-A']);
  await git.raw(['commit', '-q', '--no-verify', '--allow-empty', '--author', authorOf('system'), '-m', `initialise the registry\n\n${TRAILER.actor}: system\n${TRAILER.kind}: init\n`]);
  return { created: true };
}

/**
 * Removes what a killed writer leaves behind: git lock files (we hold the writer lease, so
 * no other git process of ours is running) and temp files of interrupted atomic writes.
 */
export function removeStaleLocks(dir: string): string[] {
  const removed: string[] = [];
  const gitDir = path.join(dir, '.git');
  for (const f of ['index.lock', 'HEAD.lock', 'config.lock', 'packed-refs.lock']) {
    const p = path.join(gitDir, f);
    if (existsSync(p)) {
      rmSync(p, { force: true });
      removed.push(`.git/${f}`);
    }
  }
  const walk = (rel: string): void => {
    const abs = path.join(dir, rel);
    if (!existsSync(abs)) return;
    for (const entry of readdirSync(abs, { withFileTypes: true })) {
      const child = path.posix.join(rel, entry.name);
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.lock') || (rel !== '.git/refs' && entry.name.endsWith(TEMP_SUFFIX))) {
        rmSync(path.join(dir, child), { force: true });
        removed.push(child);
      }
    }
  };
  walk('.git/refs');
  // Temp files of interrupted atomic writes, anywhere in the registry but .git and .runtime.
  const walkTmp = (rel: string): void => {
    for (const entry of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      if (rel === '' && (entry.name === '.git' || entry.name === RUNTIME_DIR)) continue;
      const child = rel ? path.posix.join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) walkTmp(child);
      else if (entry.name.endsWith(TEMP_SUFFIX) && statSync(path.join(dir, child)).isFile()) {
        rmSync(path.join(dir, child), { force: true });
        removed.push(child);
      }
    }
  };
  walkTmp('');
  return removed;
}

/** Change ids of recent commits on every branch (each with the sha of its commit), and the highest batch watermark. */
export async function readAppliedMarks(git: SimpleGit, depth = 50_000): Promise<{ changeIds: Map<string, string>; appendSeq: number }> {
  const out = await git.raw([
    'log',
    '--all',
    `-n${depth}`,
    `--format=%H%x1f%(trailers:key=${TRAILER.change},valueonly,separator=%x00)%x1f%(trailers:key=${TRAILER.appendSeq},valueonly,separator=%x00)%x1e`,
  ]);
  const changeIds = new Map<string, string>();
  let appendSeq = 0;
  // newest first: an id seen again in an older commit (a branch's copy) keeps the newest sha
  for (const record of out.split('\x1e')) {
    const [sha = '', ids = '', seq = ''] = record.trim().split('\x1f');
    for (const id of ids.split('\0')) if (id.trim() && !changeIds.has(id.trim())) changeIds.set(id.trim(), sha);
    const n = Number.parseInt(seq.trim(), 10);
    if (Number.isFinite(n) && n > appendSeq) appendSeq = n;
  }
  return { changeIds, appendSeq };
}

/** HEAD's sha when that commit carries this change id (a commit that landed before its writer failed), else undefined. */
export async function headHolds(git: SimpleGit, changeId: string): Promise<string | undefined> {
  const out = await git.raw(['log', '-1', `--format=%H%x1f%(trailers:key=${TRAILER.change},valueonly,separator=%x00)`]).catch(() => '');
  const [sha = '', ids = ''] = out.trim().split('\x1f');
  return ids.split('\0').some((id) => id.trim() === changeId) ? sha : undefined;
}

export async function currentBranch(git: SimpleGit): Promise<string> {
  return (await git.raw(['rev-parse', '--abbrev-ref', 'HEAD'])).trim();
}
