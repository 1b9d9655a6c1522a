import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../../shared/logger.js';
import { git, gitOk } from '../../shared/projects/git-run.js';

/**
 * An agent's own bare repository on a host (docs/WORKTREES.md, "What an agent can do"): its
 * branch `nox/<id>`, the objects it makes, its worktree's git folder. Every other object is
 * read from the host's mirror through `objects/info/alternates`; the mirror is read-only in
 * the agent's sandbox, so an agent cannot move, delete or rewrite another agent's branch, nor
 * replace the objects other agents' commits are made of. Made in a temporary folder and
 * renamed: nothing half-made.
 */
export async function ensureAgentRepo(repo: string, mirror: string): Promise<void> {
  if (existsSync(path.join(repo, 'HEAD'))) {
    writeAlternates(repo, mirror);
    return;
  }
  mkdirSync(path.dirname(repo), { recursive: true });
  const tmp = `${repo}.nox-tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await gitOk(['init', '--bare', '--quiet', tmp]);
    for (const [key, value] of [
      ['core.logAllRefUpdates', 'false'],
      ['gc.auto', '0'],
    ] as const) {
      await gitOk([`--git-dir=${tmp}`, 'config', key, value]);
    }
    writeAlternates(tmp, mirror);
    mkdirSync(path.join(tmp, 'refs', 'heads', 'nox'), { recursive: true });
    if (existsSync(repo)) rmSync(repo, { recursive: true, force: true }); // a folder without HEAD: nothing of git's
    renameSync(tmp, repo);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

function writeAlternates(repo: string, mirror: string): void {
  const file = path.join(repo, 'objects', 'info', 'alternates');
  const want = `${path.join(mirror, 'objects')}\n`;
  if (existsSync(file) && readFileSync(file, 'utf8') === want) return;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, want);
}

/**
 * Fetches the agent's branch from its origin (the served mirror, or the project's
 * repository) into its own repository, as `refs/remotes/origin/nox/<id>`: its objects land
 * there, never in the host's mirror, which every agent of the host reads. Offline, or no such
 * branch there yet: nothing changes.
 */
export async function fetchAgentBranch(repo: string, origin: { url: string; env?: Record<string, string> }, branch: string, logger: Logger): Promise<void> {
  const r = await git([`--git-dir=${repo}`, 'fetch', '--quiet', '--no-tags', '--', origin.url, `+refs/heads/${branch}:refs/remotes/origin/${branch}`], { timeoutMs: 300_000, env: origin.env ?? {} });
  if (!r.ok && !/couldn't find remote ref/i.test(r.stderr)) logger.warn('could not fetch the agent branch; using what this host has', { branch, stderr: r.stderr.trim().slice(0, 300) });
}

/**
 * Sets the agent's branch in its repository when it has none, from (in this order) the branch
 * its origin holds (`refs/remotes/origin/nox/<id>` in its repository, fetchAgentBranch: the
 * agent worked elsewhere), a branch the host's mirror itself holds (a worktree of the layout
 * before agent repositories), or the base. Without a worktree checked out, a branch the
 * origin has further ahead is taken (it moved on elsewhere).
 */
export async function seedBranch(repo: string, mirror: string, branch: string, base: string, hasWorktree: boolean, logger: Logger): Promise<string> {
  const mine = await git([`--git-dir=${repo}`, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  const remote = await git([`--git-dir=${repo}`, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}`]);
  const legacy = await git([`--git-dir=${mirror}`, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  if (mine.ok) {
    const here = mine.stdout.trim();
    if (!hasWorktree && remote.ok && remote.stdout.trim() !== here && (await git([`--git-dir=${repo}`, 'merge-base', '--is-ancestor', here, remote.stdout.trim()])).ok) {
      await gitOk([`--git-dir=${repo}`, 'update-ref', `refs/heads/${branch}`, remote.stdout.trim(), here]);
      return 'origin (further ahead)';
    }
    return 'its repository';
  }
  const legacyAhead = legacy.ok && (!remote.ok || (await git([`--git-dir=${repo}`, 'merge-base', '--is-ancestor', remote.stdout.trim(), legacy.stdout.trim()])).ok);
  const from = legacyAhead ? { sha: legacy.stdout.trim(), what: 'the host mirror' } : remote.ok ? { sha: remote.stdout.trim(), what: 'origin' } : { sha: (await gitOk([`--git-dir=${mirror}`, 'rev-parse', base])).trim(), what: base };
  await gitOk([`--git-dir=${repo}`, 'update-ref', `refs/heads/${branch}`, from.sha, '']);
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
  writeFileSync(path.join(gitDir, 'commondir'), `${path.relative(gitDir, repo) || '.'}\n`);
  writeFileSync(path.join(gitDir, 'gitdir'), `${path.join(workdir, '.git')}\n`);
  writeFileSync(path.join(workdir, '.git'), `gitdir: ${gitDir}\n`);
  return true;
}

/**
 * The agent comes back to a host whose worktree it left: its branch moved on elsewhere (the
 * origin has it further ahead: fetchAgentBranch). The worktree is fast-forwarded to it — `merge --ff-only`,
 * which keeps uncommitted files that do not collide; when they do, nothing changes, a warning
 * is logged, and the agent goes on from what this host has (its next push is then refused,
 * never forced). Returns whether it moved.
 */
export async function catchUpWorktree(repo: string, gitDir: string, workdir: string, branch: string, logger: Logger): Promise<boolean> {
  const remote = await git([`--git-dir=${repo}`, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}`]);
  const head = await git([`--git-dir=${gitDir}`, 'rev-parse', '--verify', '--quiet', 'HEAD']);
  if (!remote.ok || !head.ok) return false;
  const [there, here] = [remote.stdout.trim(), head.stdout.trim()];
  if (there === here || !(await git([`--git-dir=${gitDir}`, 'merge-base', '--is-ancestor', here, there])).ok) return false;
  const moved = await git([`--git-dir=${gitDir}`, `--work-tree=${workdir}`, 'merge', '--ff-only', '--quiet', there]);
  if (!moved.ok) logger.warn('the agent branch moved on elsewhere and its worktree here cannot be fast-forwarded; it goes on from this host’s commits', { branch, here, there, stderr: moved.stderr.trim().slice(0, 300) });
  else logger.info('agent worktree brought up to its branch as pushed elsewhere', { branch, from: here, to: there });
  return moved.ok;
}
