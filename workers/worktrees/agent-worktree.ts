import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { AgentConfig } from '../../shared/agents/agent-config.js';
import { SandboxRefusedError } from '../../shared/errors/agent-errors.js';
import type { Logger } from '../../shared/logger.js';
import { git, gitOk, isRemoteUrl } from '../../shared/projects/git-run.js';
import { agentGitView } from './agent-git-view.js';
import { agentBranch, type Project } from '../../shared/projects/project-model.js';
import { agentRepo, agentWorktree, agentWorktreeGitDir, baseRef, legacyWorktreeGitDir, projectMirror } from '../../shared/projects/project-paths.js';
import { projectStore } from '../../shared/projects/project-store.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { freshMirror, type MirrorOrigin } from '../../shared/projects/project-mirror.js';
import { adoptLegacyWorktree, catchUpWorktree, ensureAgentRepo, fetchAgentBranch, seedBranch } from './agent-repo.js';
import { narrowLegacyMirror, releaseAdoptedBranch } from '../../shared/projects/mirror-layout.js';
import { projectOrigin } from './project-origin.js';
import { worktreeMounts } from './worktree-mounts.js';
import type { Mount } from '../agents/sandbox/mount-plan.js';

/**
 * An agent with a `project` works in its own git worktree on branch `nox/<agent id>`
 * (docs/WORKTREES.md): a worktree of its own repository on this host (agent-repo.ts), whose
 * older objects come from this host's mirror of the project, at the agent's usual folder.
 * Made at each start when missing — on a new host (a restart elsewhere, a failover, a drain)
 * from the branch its origin holds (the mirror the API serves, or the project's repository),
 * since every turn's end pushed it there (pushBranch) — and reused otherwise.
 */
export interface AgentWorktree {
  project: Project;
  workdir: string;
  gitDir: string;
  mirror: string;
  /** the agent's own repository (its branch, its new objects) */
  repo: string;
  /** where its branch is pushed */
  origin: MirrorOrigin;
  /** what the sandbox binds so git works inside (worktree-mounts.ts) */
  mounts: Mount[];
  /** what Nox's own git on the agent's repository and worktree runs under (agent-git-view.ts) */
  view?: string[] | undefined;
  /** what its push runs under: its repository read-only, a project's repository on this machine writable */
  pushView?: string[] | undefined;
}

export async function prepareWorktree(ctx: NoxContext, agent: AgentConfig, logger: Logger): Promise<AgentWorktree> {
  const name = agent.project as string;
  const project = projectStore(registryClientFor(ctx)).require(name);
  const { config } = ctx;
  const mirror = projectMirror(config, name);
  const repo = agentRepo(config, name, agent.id);
  const workdir = agentWorktree(config, agent.id);
  const gitDir = agentWorktreeGitDir(config, name, agent.id);
  const branch = agentBranch(agent.id);
  const origin = projectOrigin(config, project, agent.id);
  // git on any agent's repository of this host (narrowing, release) in a view of it and the mirror only
  const borrowerView = (r: string) => agentGitView(config, { readOnly: [mirror], writable: [r] });
  // the host's mirror holds the base only (a mirror of an older layout is narrowed once, each agent repository here given its own objects first)
  await freshMirror(project, mirror, logger, origin, async () => {
    await narrowLegacyMirror(mirror, project.base, path.dirname(repo), logger, borrowerView);
  });
  await ensureAgentRepo(repo, mirror);
  // the folder exists before git runs in the view, which binds it (else git would make it inside the view only)
  mkdirSync(workdir, { recursive: true });
  // the project's repository on this machine read-only here (a fetch reads it): git appends to files an agent may
  // have linked there (its worktree's logs/HEAD); only the push writes it, in a view of its own (pushBranch)
  const local = localPathOf(origin.url);
  const view = await agentGitView(config, { readOnly: [mirror, ...local], writable: [repo, workdir] });
  const pushView = local.length ? await agentGitView(config, { readOnly: [mirror, repo], writable: local }) : view;
  const inView = { view };
  await fetchAgentBranch(repo, origin, branch, logger, view);
  if (await adoptLegacyWorktree(legacyWorktreeGitDir(config, name, agent.id), repo, gitDir, workdir)) {
    await gitOk([`--git-dir=${mirror}`, 'worktree', 'prune']);
    logger.info('agent worktree moved into its own repository', { project: name, workdir, repo });
  }
  const had = isWorktree(workdir, gitDir);
  const from = await seedBranch(repo, mirror, branch, baseRef(project.base), had, logger, view);
  // a branch of the older layout, now in the agent's own repository, leaves the mirror every agent here reads
  await releaseAdoptedBranch(mirror, project.base, repo, agent.id, logger, borrowerView);

  if (had) await catchUpWorktree(repo, gitDir, workdir, branch, logger, view);
  else {
    if (existsSync(workdir) && readdirSync(workdir).length > 0) {
      throw new SandboxRefusedError(`the folder ${workdir} of agent ${agent.id} is not empty and not its worktree of project ${name}; move it away first`);
    }
    await gitOk([`--git-dir=${repo}`, 'worktree', 'prune'], inView);
    await gitOk([`--git-dir=${repo}`, 'worktree', 'add', '--quiet', workdir, branch], inView);
    if (!existsSync(gitDir)) throw new Error(`git made the worktree of ${agent.id} under another name than ${gitDir}`);
    logger.info('agent worktree made', { project: name, branch, workdir, from, origin: origin.url });
  }
  return { project, workdir, gitDir, mirror, repo, origin, mounts: worktreeMounts(mirror, repo, gitDir), view, pushView };
}

/** The folder of a project's repository on this machine (a path or a file:// URL), which a push writes. */
function localPathOf(url: string): string[] {
  if (url.startsWith('file://')) return [new URL(url).pathname];
  return isRemoteUrl(url) ? [] : [url];
}

function isWorktree(workdir: string, gitDir: string): boolean {
  return existsSync(path.join(workdir, '.git')) && existsSync(path.join(gitDir, 'HEAD'));
}

/** git on the worktree, with the git folder Nox named (never the worktree's own `.git` file, which the agent may rewrite). */
export function inWorktree(wt: Pick<AgentWorktree, 'gitDir' | 'workdir'>): string[] {
  return [`--git-dir=${wt.gitDir}`, `--work-tree=${wt.workdir}`];
}

/**
 * The agent stopped (or its process ended): uncommitted changes become a WIP commit on its
 * branch, so a stop, a deletion or a host loss loses nothing (`projects.wip_commit`).
 * Returns the commit's sha, or undefined when the worktree was clean.
 */
export async function wipCommit(wt: Pick<AgentWorktree, 'gitDir' | 'workdir' | 'view'>, agentId: string): Promise<string | undefined> {
  const inView = { view: wt.view };
  const status = await gitOk([...inWorktree(wt), 'status', '--porcelain'], inView);
  if (!status.trim()) return undefined;
  await gitOk([...inWorktree(wt), 'add', '-A'], inView);
  await gitOk([...inWorktree(wt), 'commit', '-q', '--no-verify', '-m', `WIP: work of agent ${agentId} left uncommitted when it stopped`, '-m', 'Nox-Kind: wip'], {
    env: { GIT_AUTHOR_NAME: agentId, GIT_AUTHOR_EMAIL: `${agentId}@agents.nox.local` },
    ...inView,
  });
  return (await gitOk([...inWorktree(wt), 'rev-parse', 'HEAD'], inView)).trim();
}

/**
 * Push the agent's branch — from its own repository, by Nox, never by the agent — to its
 * origin (the served mirror, or the project's repository), where any host can fetch it.
 * Never forced: a branch the agent rewrote is refused there, and the last pushed commits stay.
 */
export async function pushBranch(wt: Pick<AgentWorktree, 'repo' | 'origin' | 'pushView'>, agentId: string, logger: Logger): Promise<boolean> {
  const branch = agentBranch(agentId);
  // in the agent's view: objects it linked elsewhere resolve to nothing of another agent's (agent-git-view.ts)
  const r = await git([`--git-dir=${wt.repo}`, 'push', '--quiet', '--', wt.origin.url, `refs/heads/${branch}:refs/heads/${branch}`], { timeoutMs: 120_000, env: wt.origin.env ?? {}, view: wt.pushView });
  if (!r.ok) logger.warn('could not push the agent branch', { branch, to: wt.origin.url, stderr: r.stderr.trim().slice(0, 500) });
  return r.ok;
}
