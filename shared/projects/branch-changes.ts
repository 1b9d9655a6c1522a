import { copyFileSync, existsSync, lstatSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { NoxConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { git, gitOk } from './git-run.js';
import { agentBranch, type Project } from './project-model.js';
import { servedAgent, servedBaseRef } from './served-mirror.js';
import type { AgentChanges, ChangedFile } from './changes-view.js';
import { agentRepo, agentWorktree, agentWorktreeGitDir } from './project-paths.js';

/**
 * What an agent changed against its project's base (GET /api/agents/:id/changes): commits,
 * files, ahead/behind, the unified diff, whether it merges cleanly (`git merge-tree`), and —
 * when its worktree is on this machine — what is not committed yet (a person's edit too).
 * The worktree is read through a temporary index, so the agent's own index is never touched.
 */
export const DIFF_LIMIT = 1_000_000;
export type { AgentChanges, ChangedFile };

export async function agentChanges(config: NoxConfig, project: Project, agentId: string, logger: Logger): Promise<AgentChanges> {
  const branch = agentBranch(agentId);
  // the agent's served repository (served-mirror.ts): where its host pushes its branch
  const mirror = await servedAgent(config, project, agentId, logger, { refresh: true });
  const m = `--git-dir=${mirror}`;
  const baseSha = (await gitOk([m, 'rev-parse', servedBaseRef(project)])).trim();
  const head = await git([m, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  const headSha = head.ok ? head.stdout.trim() : null;
  const empty = { agent: agentId, project: project.name, branch, base: project.base, base_sha: baseSha, head_sha: headSha };
  const gitDir = agentWorktreeGitDir(config, project.name, agentId);
  const workdir = agentWorktree(config, agentId);
  // the worktree is on this machine, and its repository has the base the served mirror has
  const here = existsSync(path.join(gitDir, 'HEAD')) && existsSync(path.join(workdir, '.git')) && (await git([`--git-dir=${gitDir}`, 'cat-file', '-e', `${baseSha}^{commit}`])).ok;
  if (!headSha) {
    return { ...empty, ahead: 0, behind: 0, commits: [], files: [], uncommitted: [], worktree: here ? 'here' : 'elsewhere', mergeable: true, conflicts: [], diff: '', diff_truncated: false };
  }
  const [counts, log, mergeBase] = await Promise.all([
    gitOk([m, 'rev-list', '--left-right', '--count', `${baseSha}...${headSha}`]),
    gitOk([m, 'log', '--format=%H%x1f%s%x1f%an <%ae>%x1f%aI', `${baseSha}..${headSha}`, '-n', '500']),
    gitOk([m, 'merge-base', baseSha, headSha]),
  ]);
  const [behind, ahead] = counts.trim().split(/\s+/).map(Number) as [number, number];
  const commits = log
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [sha = '', subject = '', author = '', at = ''] = line.split('\x1f');
      return { sha, subject, author, at };
    });
  const tree = await mergeCheck(mirror, baseSha, headSha);
  const diffArgs = here ? await worktreeDiffArgs(gitDir, agentRepo(config, project.name, agentId), workdir, baseSha) : { pre: [m], env: {}, target: [mergeBase.trim(), headSha], cleanup: () => undefined };
  try {
    const diffOf = (extra: string[]): Promise<string> => gitOk([...diffArgs.pre, 'diff', '--no-ext-diff', '--no-textconv', ...extra, ...diffArgs.target], { env: diffArgs.env });
    const [numstat, nameStatus, patch] = await Promise.all([diffOf(['--numstat']), diffOf(['--name-status']), diffOf(['--patch'])]);
    const uncommitted = here ? await uncommittedFiles(gitDir, workdir) : [];
    return {
      ...empty,
      ahead,
      behind,
      commits,
      files: changedFiles(numstat, nameStatus),
      uncommitted,
      worktree: here ? 'here' : 'elsewhere',
      mergeable: tree.conflicts.length === 0,
      conflicts: tree.conflicts,
      diff: patch.length > DIFF_LIMIT ? patch.slice(0, DIFF_LIMIT) : patch,
      diff_truncated: patch.length > DIFF_LIMIT,
    };
  } finally {
    diffArgs.cleanup();
  }
}

/** `git merge-tree --write-tree` (git 2.38+): would the branch merge into the base cleanly, and which files conflict. Writes no ref. */
export async function mergeCheck(mirror: string, baseSha: string, headSha: string): Promise<{ conflicts: string[] }> {
  const r = await git([`--git-dir=${mirror}`, 'merge-tree', '--write-tree', '--name-only', '--no-messages', baseSha, headSha]);
  if (r.ok) return { conflicts: [] };
  if (r.code !== 1) throw new Error(`git merge-tree failed (${r.code}): ${r.stderr.trim()}`);
  return { conflicts: r.stdout.split('\n').slice(1).filter(Boolean) };
}

/**
 * The worktree as it is on disk, against the merge base: a copy of its index with every file
 * added, in a temp folder. The agent wrote its repository's `objects/` and its worktree's git
 * folder, and may have left links there: the index is copied only when it is a plain file, and
 * the objects `add` makes go to the temp folder (`GIT_OBJECT_DIRECTORY`, the agent's objects
 * read as an alternate), so nothing is written through a link the agent planted.
 */
async function worktreeDiffArgs(gitDir: string, repo: string, workdir: string, baseSha: string): Promise<{ pre: string[]; env: Record<string, string>; target: string[]; cleanup: () => void }> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'nox-changes-'));
  const index = path.join(tmp, 'index');
  const own = path.join(gitDir, 'index');
  if (lstatSync(own, { throwIfNoEntry: false })?.isFile()) copyFileSync(own, index);
  mkdirSync(path.join(tmp, 'objects'));
  const pre = [`--git-dir=${gitDir}`, `--work-tree=${workdir}`];
  const env = { GIT_INDEX_FILE: index, GIT_OBJECT_DIRECTORY: path.join(tmp, 'objects'), GIT_ALTERNATE_OBJECT_DIRECTORIES: path.join(repo, 'objects'), GIT_OPTIONAL_LOCKS: '0' };
  await gitOk([...pre, 'add', '-A'], { env });
  const mergeBase = (await gitOk([...pre, 'merge-base', baseSha, 'HEAD'], { env })).trim();
  return { pre, env, target: ['--cached', mergeBase], cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

async function uncommittedFiles(gitDir: string, workdir: string): Promise<string[]> {
  // no index refresh written: a person looking changes nothing of the agent's
  const out = await gitOk([`--git-dir=${gitDir}`, `--work-tree=${workdir}`, 'status', '--porcelain', '--untracked-files=all'], { env: { GIT_OPTIONAL_LOCKS: '0' } });
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => l.slice(3));
}

function changedFiles(numstat: string, nameStatus: string): ChangedFile[] {
  const status = new Map<string, string>();
  for (const line of nameStatus.split('\n').filter(Boolean)) {
    const parts = line.split('\t');
    status.set(parts[parts.length - 1] ?? '', (parts[0] ?? '?').charAt(0));
  }
  return numstat
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [add = '0', del = '0', ...rest] = line.split('\t');
      const p = rest.join('\t').replace(/^.*=> /, '').replace(/[{}]/g, '');
      return { path: p, status: status.get(p) ?? 'M', additions: add === '-' ? 0 : Number(add), deletions: del === '-' ? 0 : Number(del) };
    });
}
