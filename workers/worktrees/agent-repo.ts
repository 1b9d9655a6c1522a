import { existsSync, lstatSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../shared/logger.js';
import { git, gitOk } from '../../shared/projects/git-run.js';
import { ensureBorrower } from '../../shared/projects/mirror-layout.js';

/**
 * An agent's own bare repository on a host (docs/WORKTREES.md, "What an agent can do"): its
 * branch `nox/<id>`, the objects it makes, its worktree's git folder. Every other object is
 * read from the host's mirror through `objects/info/alternates`; the mirror is read-only in
 * the agent's sandbox, so an agent cannot move, delete or rewrite another agent's branch, nor
 * replace the objects other agents' commits are made of. Made in a temporary folder and
 * renamed: nothing half-made.
 */
export async function ensureAgentRepo(repo: string, mirror: string): Promise<void> {
  if (existsSync(path.join(repo, 'HEAD'))) writeAlternates(repo, mirror);
  else await ensureBorrower(repo, mirror);
}

/**
 * Writes `objects/info/alternates` without following anything the agent made: `objects/` is
 * writable in its sandbox, so `objects/info` or the file may have been replaced by a symlink
 * (to a file of the worker's, which a plain write would overwrite). Whatever is not the
 * folder and the regular file Nox made is removed (a link itself, never its target) and
 * written anew, the file exclusively.
 */
function writeAlternates(repo: string, mirror: string): void {
  const info = path.join(repo, 'objects', 'info');
  const file = path.join(info, 'alternates');
  const want = `${path.join(mirror, 'objects')}\n`;
  const infoStat = lstatOrUndefined(info);
  if (infoStat && !infoStat.isDirectory()) rmSync(info, { force: true });
  mkdirSync(info, { recursive: true });
  const fileStat = lstatOrUndefined(file);
  if (fileStat?.isFile() && readFileSync(file, 'utf8') === want) return;
  writeNotFollowing(file, want);
}

function lstatOrUndefined(p: string): ReturnType<typeof lstatSync> | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Fetches the agent's branch from its origin (the served mirror, or the project's
 * repository) into its own repository, as `refs/remotes/origin/nox/<id>`: its objects land
 * there, never in the host's mirror, which every agent of the host reads. Offline, or no such
 * branch there yet: nothing changes.
 */
export async function fetchAgentBranch(repo: string, origin: { url: string; env?: Record<string, string> }, branch: string, logger: Logger, view?: readonly string[]): Promise<void> {
  const r = await git([`--git-dir=${repo}`, 'fetch', '--quiet', '--no-tags', '--', origin.url, `+refs/heads/${branch}:refs/remotes/origin/${branch}`], { timeoutMs: 300_000, env: origin.env ?? {}, view });
  if (!r.ok && !/couldn't find remote ref/i.test(r.stderr)) logger.warn('could not fetch the agent branch; using what this host has', { branch, stderr: r.stderr.trim().slice(0, 300) });
}

/**
 * Sets the agent's branch in its repository when it has none, from (in this order) the branch
 * its origin holds (`refs/remotes/origin/nox/<id>` in its repository, fetchAgentBranch: the
 * agent worked elsewhere), a branch the host's mirror itself holds (a worktree of the layout
 * before agent repositories), or the base. Without a worktree checked out, a branch the
 * origin has further ahead is taken (it moved on elsewhere).
 */
export async function seedBranch(repo: string, mirror: string, branch: string, base: string, hasWorktree: boolean, logger: Logger, view?: readonly string[]): Promise<string> {
  const inView = { view };
  const mine = await git([`--git-dir=${repo}`, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`], inView);
  const remote = await git([`--git-dir=${repo}`, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}`], inView);
  const legacy = await git([`--git-dir=${mirror}`, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  if (mine.ok) {
    const here = mine.stdout.trim();
    if (!hasWorktree && remote.ok && remote.stdout.trim() !== here && (await git([`--git-dir=${repo}`, 'merge-base', '--is-ancestor', here, remote.stdout.trim()], inView)).ok) {
      await gitOk([`--git-dir=${repo}`, 'update-ref', `refs/heads/${branch}`, remote.stdout.trim(), here], inView);
      return 'origin (further ahead)';
    }
    return 'its repository';
  }
  const legacyAhead = legacy.ok && (!remote.ok || (await git([`--git-dir=${repo}`, 'merge-base', '--is-ancestor', remote.stdout.trim(), legacy.stdout.trim()], inView)).ok);
  const from = legacyAhead ? { sha: legacy.stdout.trim(), what: 'the host mirror' } : remote.ok ? { sha: remote.stdout.trim(), what: 'origin' } : { sha: (await gitOk([`--git-dir=${mirror}`, 'rev-parse', base])).trim(), what: base };
  await gitOk([`--git-dir=${repo}`, 'update-ref', `refs/heads/${branch}`, from.sha, ''], inView);
  logger.info('agent branch set in its repository', { branch, from: from.what, sha: from.sha });
  return from.what;
}

/**
 * A worktree made before agents had repositories of their own (its git folder inside the
 * shared mirror) is moved into the agent's repository: the folder `worktrees/<id>` with its
 * HEAD and index, its `commondir` pointed at the new repository, the worktree's `.git` file at
 * the new folder. The files and any uncommitted work stay as they are.
 */
export async function adoptLegacyWorktree(legacyGitDir: string, repo: string, gitDir: string, workdir: string): Promise<boolean> {
  if (!existsSync(path.join(legacyGitDir, 'HEAD')) || existsSync(gitDir)) return false;
  mkdirSync(path.dirname(gitDir), { recursive: true });
  renameSync(legacyGitDir, gitDir);
  // the agent wrote these folders: a link where a file is expected is removed, never written through
  writeNotFollowing(path.join(gitDir, 'commondir'), `${path.relative(gitDir, repo) || '.'}\n`);
  writeNotFollowing(path.join(gitDir, 'gitdir'), `${path.join(workdir, '.git')}\n`);
  writeNotFollowing(path.join(workdir, '.git'), `gitdir: ${gitDir}\n`);
  return true;
}

/** Writes a file anew where an agent may have left a link (or anything else): that is removed, then the file made exclusively. */
function writeNotFollowing(file: string, text: string): void {
  if (lstatOrUndefined(file)) rmSync(file, { recursive: true, force: true });
  writeFileSync(file, text, { flag: 'wx' });
}

/**
 * The agent comes back to a host whose worktree it left: its branch moved on elsewhere (the
 * origin has it further ahead: fetchAgentBranch). The worktree is fast-forwarded to it — `merge --ff-only`,
 * which keeps uncommitted files that do not collide; when they do, nothing changes, a warning
 * is logged, and the agent goes on from what this host has (its next push is then refused,
 * never forced). Returns whether it moved.
 */
export async function catchUpWorktree(repo: string, gitDir: string, workdir: string, branch: string, logger: Logger, view?: readonly string[]): Promise<boolean> {
  const inView = { view };
  const remote = await git([`--git-dir=${repo}`, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}`], inView);
  const head = await git([`--git-dir=${gitDir}`, 'rev-parse', '--verify', '--quiet', 'HEAD'], inView);
  if (!remote.ok || !head.ok) return false;
  const [there, here] = [remote.stdout.trim(), head.stdout.trim()];
  if (there === here || !(await git([`--git-dir=${gitDir}`, 'merge-base', '--is-ancestor', here, there], inView)).ok) return false;
  const moved = await git([`--git-dir=${gitDir}`, `--work-tree=${workdir}`, 'merge', '--ff-only', '--quiet', there], inView);
  if (!moved.ok) logger.warn('the agent branch moved on elsewhere and its worktree here cannot be fast-forwarded; it goes on from this host’s commits', { branch, here, there, stderr: moved.stderr.trim().slice(0, 300) });
  else logger.info('agent worktree brought up to its branch as pushed elsewhere', { branch, from: here, to: there });
  return moved.ok;
}
