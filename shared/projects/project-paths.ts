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

/**
 * The agent's own bare repository on this host: its branch, its new objects, its worktree's
 * git folder; every older object is borrowed from the host's mirror (`objects/info/alternates`),
 * which the agent can only read. So an agent writes no other agent's branch (docs/WORKTREES.md).
 */
export function agentRepo(config: NoxConfig, project: string, agentId: string): string {
  return path.join(workspaceFolder(config), '.projects', `${project}.agents`, `${agentId}.git`);
}

/** The worktree's own git folder inside the agent's repository (HEAD, index): Nox names it, never reads it from the worktree's `.git` file. */
export function agentWorktreeGitDir(config: NoxConfig, project: string, agentId: string): string {
  return path.join(agentRepo(config, project, agentId), 'worktrees', agentId);
}

/** Where a worktree's git folder was before agents had repositories of their own (inside the shared mirror); moved at the next start. */
export function legacyWorktreeGitDir(config: NoxConfig, project: string, agentId: string): string {
  return path.join(projectMirror(config, project), 'worktrees', agentId);
}

/**
 * The mirror Nox keeps and serves, on the machine of the API (docs/WORKTREES.md, "Movable"):
 * hosts fetch the base and push agents' branches there over HTTP (api/routes/git-routes.ts),
 * and changes and merges read it. Apart from the hosts' mirrors: no agent's sandbox binds it.
 */
export function servedRoot(config: NoxConfig): string {
  return path.join(workspaceFolder(config), '.projects-served');
}

/** The served base repository: the project's base, nothing else; every agent's served repository borrows its objects. */
export function servedMirror(config: NoxConfig, project: string): string {
  return path.join(servedRoot(config), `${project}.git`);
}

/** Where the served repositories of a project's agents are, one per agent. */
export function servedAgentsRoot(config: NoxConfig, project: string): string {
  return path.join(servedRoot(config), `${project}.agents`);
}

/**
 * One agent's served repository: its branch `nox/<id>` and the objects its host pushed; the
 * base's objects borrowed from the served base repository (`objects/info/alternates`). An
 * agent's URL serves this repository only, so it reaches no other agent's objects at all.
 */
export function servedAgentRepo(config: NoxConfig, project: string, agentId: string): string {
  return path.join(servedAgentsRoot(config, project), `${agentId}.git`);
}

/** Base branch as the mirror tracks it. */
export function baseRef(base: string): string {
  return `refs/remotes/origin/${base}`;
}
