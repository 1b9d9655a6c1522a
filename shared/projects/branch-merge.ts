import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NoxConfig } from '../config/schema.js';
import { ERROR_CODE } from '../errors/codes.js';
import { NoxError } from '../errors/nox-error.js';
import type { Logger } from '../logger.js';
import { git, gitOk, isRemoteUrl } from './git-run.js';
import { agentBranch, type Project } from './project-model.js';
import { servedAgent, servedBaseRef } from './served-mirror.js';
import { mergeCheck } from './branch-changes.js';
import { baseCheckedOut, requireCleanBase } from './repo-check.js';

/**
 * Merging an agent's branch (POST /api/agents/:id/merge, once its `merge` approval is
 * approved; docs/WORKTREES.md, "Review and merge"). Two modes:
 *
 * - `merge`: a merge commit of `nox/<id>` onto the base is made in a temporary worktree of
 *   the mirror — never in the person's checkout — and only a finished merge reaches the
 *   repository, as a fast-forward of the base (a checked-out base: `merge --ff-only` in a
 *   clean checkout; otherwise a non-forced push). A conflict aborts the temporary merge and
 *   reports the files; the base is never left half-merged. Nothing is forced: a base that
 *   moved meanwhile refuses the fast-forward (ERROR_CODE.baseMoved) and nothing changes.
 * - `push`: the branch is pushed (not forced) to the project's repository for a pull request.
 *
 * Safe to run again: a branch already contained in the base answers `already: true`.
 */
export const MERGE_MODES = ['merge', 'push'] as const;
export type MergeMode = (typeof MERGE_MODES)[number];

export interface MergeResult {
  mode: MergeMode;
  branch: string;
  base: string;
  /** the merge commit (merge), or the pushed head (push) */
  sha: string;
  already?: boolean;
}

export async function mergeAgentBranch(config: NoxConfig, project: Project, agentId: string, mode: MergeMode, by: string, logger: Logger, approvedHead?: string): Promise<MergeResult> {
  const branch = agentBranch(agentId);
  // the agent's served repository (served-mirror.ts): where its host pushes its branch
  const mirror = await servedAgent(config, project, agentId, logger, { refresh: true });
  const m = `--git-dir=${mirror}`;
  const head = await git([m, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  if (!head.ok) throw new NoxError(ERROR_CODE.mergeNothing, `agent ${agentId} has no branch ${branch} yet`);
  const headSha = head.stdout.trim();
  if (approvedHead && approvedHead !== headSha) {
    const grown = await git([m, 'merge-base', '--is-ancestor', approvedHead, headSha]);
    if (!grown.ok || mode === 'merge') throw new NoxError(ERROR_CODE.baseMoved, `${branch} is at ${headSha.slice(0, 12)}, not the ${approvedHead.slice(0, 12)} that was approved; ask again`);
  }
  if (mode === 'push') {
    await pushOrConflict(['push', '--quiet', '--', project.repo, `${headSha}:refs/heads/${branch}`], mirror, `${branch} could not be pushed to ${project.repo}`);
    return { mode, branch, base: project.base, sha: headSha };
  }
  const baseSha = (await gitOk([m, 'rev-parse', servedBaseRef(project)])).trim();
  const contained = await git([m, 'merge-base', '--is-ancestor', headSha, baseSha]);
  if (contained.ok) return { mode, branch, base: project.base, sha: baseSha, already: true };

  const { conflicts } = await mergeCheck(mirror, baseSha, headSha);
  if (conflicts.length > 0) throw conflictError(agentId, project.base, conflicts);
  const checkedOut = isRemoteUrl(project.repo) ? false : await baseCheckedOut(project.repo, project.base);
  if (checkedOut) await requireCleanBase(project.repo, project.base);

  const mergeSha = await mergeInTemporaryWorktree(mirror, baseSha, headSha, `Merge ${branch} (agent ${agentId}) into ${project.base}`, by);
  if (checkedOut) await fastForwardCheckout(project, mirror, mergeSha, agentId);
  else await pushOrConflict(['push', '--quiet', '--', project.repo, `${mergeSha}:refs/heads/${project.base}`], mirror, `${project.base} of ${project.repo} moved since; nothing was changed`);
  await servedAgent(config, project, agentId, logger, { refresh: true });
  logger.info('agent branch merged', { agentId, project: project.name, base: project.base, sha: mergeSha });
  return { mode, branch, base: project.base, sha: mergeSha };
}

/** The merge commit, made where no person and no agent works; the temporary worktree goes away whatever happens. */
async function mergeInTemporaryWorktree(mirror: string, baseSha: string, headSha: string, message: string, by: string): Promise<string> {
  const tmp = path.join(mkdtempSync(path.join(os.tmpdir(), 'nox-merge-')), 'wt');
  const m = `--git-dir=${mirror}`;
  await gitOk([m, 'worktree', 'add', '--quiet', '--detach', tmp, baseSha]);
  try {
    const name = by.replace(/^user:/, '') || 'Nox';
    const merged = await git(['-C', tmp, 'merge', '--no-ff', '--no-edit', '--no-verify', '-m', message, headSha], {
      env: { GIT_AUTHOR_NAME: name, GIT_AUTHOR_EMAIL: `${name}@users.nox.local` },
    });
    if (!merged.ok) {
      const files = (await git(['-C', tmp, 'diff', '--name-only', '--diff-filter=U'])).stdout.split('\n').filter(Boolean);
      await git(['-C', tmp, 'merge', '--abort']);
      throw files.length > 0 ? conflictError(headSha, 'the base', files) : new Error(`git merge failed: ${merged.stderr.trim() || merged.stdout.trim()}`);
    }
    return (await gitOk(['-C', tmp, 'rev-parse', 'HEAD'])).trim();
  } finally {
    await git([m, 'worktree', 'remove', tmp]);
    rmSync(path.dirname(tmp), { recursive: true, force: true });
    await git([m, 'worktree', 'prune']);
  }
}

/** The base is checked out in the person's repository: bring the merge there and fast-forward it, or change nothing. */
async function fastForwardCheckout(project: Project, mirror: string, mergeSha: string, agentId: string): Promise<void> {
  const ref = `refs/nox-merge/${agentId}`;
  await gitOk([`--git-dir=${mirror}`, 'update-ref', ref, mergeSha]);
  try {
    await gitOk(['-C', project.repo, '-c', 'fetch.fsckObjects=true', 'fetch', '--quiet', '--no-tags', mirror, ref]);
    const ff = await git(['-C', project.repo, 'merge', '--ff-only', '--quiet', mergeSha]);
    if (!ff.ok) throw new NoxError(ERROR_CODE.baseMoved, `${project.base} of ${project.repo} cannot be fast-forwarded to the merge (it moved, or a file in the way): ${ff.stderr.trim().slice(0, 300)}; nothing was changed`);
  } finally {
    await git([`--git-dir=${mirror}`, 'update-ref', '-d', ref]);
  }
}

async function pushOrConflict(args: string[], mirror: string, message: string): Promise<void> {
  const r = await git([`--git-dir=${mirror}`, ...args], { timeoutMs: 120_000 });
  if (r.ok) return;
  if (/rejected|non-fast-forward|fetch first/i.test(r.stderr)) throw new NoxError(ERROR_CODE.baseMoved, message);
  throw new Error(`git ${args[0]} failed: ${r.stderr.trim().slice(0, 500)}`);
}

export function conflictError(agentId: string, base: string, files: string[]): NoxError {
  return new NoxError(ERROR_CODE.mergeConflict, `${agentId} does not merge cleanly into ${base}: ${files.length} conflicting file(s): ${files.slice(0, 20).join(', ')}${files.length > 20 ? ', …' : ''}`, { extensions: { files } });
}
