import path from 'node:path';
import type { NoxConfig } from '../config/schema.js';

/**
 * Where a host keeps a project's git data (docs/WORKTREES.md, "Layout"). Each host has its
 * own mirror of each project — a bare clone Nox owns, never the person's repository — and
 * every agent's worktree is a worktree of that mirror, at the agent's usual folder
 * `<workspace_root>/<agent id>` (workers/agents/claude-cli/command-line.ts agentWorkdir
 * computes the same folder).
 */
export function workspaceFolder(config: NoxConfig): string {
  return path.resolve(path.dirname(config.registryDir), config.agent.workspace_root ?? '.nox-work');
}

export function projectMirror(config: NoxConfig, project: string): string {
  return path.join(workspaceFolder(config), '.projects', `${project}.git`);
}

export function agentWorktree(config: NoxConfig, agentId: string): string {
  return path.join(workspaceFolder(config), agentId);
}

/** The worktree's own git folder inside the mirror (HEAD, index): Nox names it, never reads it from the worktree's `.git` file. */
export function agentWorktreeGitDir(config: NoxConfig, project: string, agentId: string): string {
  return path.join(projectMirror(config, project), 'worktrees', agentId);
}

/** Base branch as the mirror tracks it. */
export function baseRef(base: string): string {
  return `refs/remotes/origin/${base}`;
}
