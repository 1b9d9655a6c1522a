import path from 'node:path';
import { ERROR_CODE } from '../errors/codes.js';
import { NoxError } from '../errors/nox-error.js';
import { git, isRemoteUrl } from './git-run.js';

/**
 * Checks a project's repository before anything is written (issue 16, item 5): it is a git
 * repository Nox can read, its base branch exists, and — when the base is checked out in a
 * local repository — that checkout has no uncommitted changes to tracked files.
 */
export async function checkRepository(repo: string, base: string): Promise<{ baseSha: string }> {
  if (isRemoteUrl(repo)) {
    const heads = await git(['ls-remote', '--heads', '--', repo, `refs/heads/${base}`], { timeoutMs: 30_000 });
    if (!heads.ok) throw repoInvalid(repo, heads.stderr.trim() || 'git ls-remote failed');
    const sha = heads.stdout.split(/\s+/)[0];
    if (!sha) throw baseMissing(repo, base);
    return { baseSha: sha };
  }
  if (!path.isAbsolute(repo)) throw repoInvalid(repo, 'a local repository must be given as an absolute path');
  const gitDir = await git(['-C', repo, 'rev-parse', '--absolute-git-dir']);
  if (!gitDir.ok) throw repoInvalid(repo, 'not a git repository');
  const sha = await git(['-C', repo, 'rev-parse', '--verify', '--quiet', `refs/heads/${base}^{commit}`]);
  if (!sha.ok) throw baseMissing(repo, base);
  await requireCleanBase(repo, base);
  return { baseSha: sha.stdout.trim() };
}

/** The base checked out in a local non-bare repository: its tracked files must be as committed. */
export async function requireCleanBase(repo: string, base: string): Promise<{ checkedOut: boolean }> {
  if (isRemoteUrl(repo)) return { checkedOut: false };
  const checkedOut = await baseCheckedOut(repo, base);
  if (!checkedOut) return { checkedOut: false };
  const status = await git(['-C', repo, 'status', '--porcelain', '--untracked-files=no']);
  if (!status.ok) throw repoInvalid(repo, status.stderr.trim());
  const files = status.stdout.split('\n').filter(Boolean).map((l) => l.slice(3));
  if (files.length > 0) {
    throw new NoxError(ERROR_CODE.projectBaseDirty, `${repo} has ${base} checked out with uncommitted changes (${files.slice(0, 10).join(', ')}${files.length > 10 ? ', …' : ''}); commit or stash them first`, { extensions: { files } });
  }
  return { checkedOut: true };
}

/** Is `base` the branch checked out in a non-bare local repository? */
export async function baseCheckedOut(repo: string, base: string): Promise<boolean> {
  const bare = await git(['-C', repo, 'rev-parse', '--is-bare-repository']);
  if (!bare.ok || bare.stdout.trim() === 'true') return false;
  const head = await git(['-C', repo, 'symbolic-ref', '--quiet', 'HEAD']);
  return head.ok && head.stdout.trim() === `refs/heads/${base}`;
}

function repoInvalid(repo: string, why: string): NoxError {
  return new NoxError(ERROR_CODE.projectRepoInvalid, `${repo} is not a usable git repository: ${why}`, { extensions: { repo } });
}

function baseMissing(repo: string, base: string): NoxError {
  return new NoxError(ERROR_CODE.projectBaseMissing, `${repo} has no branch ${base}`, { extensions: { repo, base } });
}
