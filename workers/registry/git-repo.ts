import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
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

/**
 * Change ids of recent commits on every branch (each with the sha of its commit), newest
 * first, and the highest batch watermark. Read as a stream: a group commit carries many ids,
 * so `depth` commits can hold far more than the writer keeps — ids stop being collected at
 * `maxIds` (older repeats are still caught by BullMQ's job-id dedupe), and the scan goes on
 * only for the watermark.
 */
export async function readAppliedMarks(dir: string, options: { depth?: number; maxIds: number }): Promise<{ changeIds: Map<string, string>; appendSeq: number }> {
  const changeIds = new Map<string, string>();
  let appendSeq = 0;
  // one line per commit: "<sha> <id> <id>...\x1f<seq>" (ids and numbers hold no spaces)
  const format = `--format=%H %(trailers:key=${TRAILER.change},valueonly,separator=%x20)%x1f%(trailers:key=${TRAILER.appendSeq},valueonly,separator=%x20)`;
  const child = spawn('git', ['log', '--all', `-n${options.depth ?? 50_000}`, format], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', resolve);
  });
  for await (const line of createInterface({ input: child.stdout, crlfDelay: Infinity })) {
    const [head = '', seqs = ''] = line.split('\x1f');
    const [sha = '', ...ids] = head.trim().split(' ');
    for (const id of ids) {
      if (changeIds.size >= options.maxIds) break;
      if (id && !changeIds.has(id)) changeIds.set(id, sha); // newest first: a branch's older copy keeps the newest sha
    }
    for (const n of seqs.split(' ').map((x) => Number.parseInt(x, 10))) if (Number.isFinite(n) && n > appendSeq) appendSeq = n;
  }
  const code = await exited;
  // a repository without commits has no history to read
  if (code !== 0 && !/does not have any commits|bad default revision/i.test(stderr)) throw new Error(`git log failed (${code}): ${stderr.trim().slice(0, 300)}`);
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

/** True while a merge waits for its commit (MERGE_HEAD exists). */
export async function mergeInProgress(git: SimpleGit): Promise<boolean> {
  return git.raw(['rev-parse', '-q', '--verify', 'MERGE_HEAD']).then((out) => out.trim() !== '', () => false);
}

/**
 * A writer killed during a branch merge (between `merge --no-commit` and its commit) leaves
 * the merge in progress: it is abandoned, so nothing half-merged is taken for an edit made
 * by a person, and the merge job's retry makes it again. True when there was one.
 */
export async function abandonMergeInProgress(git: SimpleGit): Promise<boolean> {
  const merging = await mergeInProgress(git);
  if (merging) await git.raw(['merge', '--abort']);
  return merging;
}
