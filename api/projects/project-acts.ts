import type { AgentConfig } from '../../shared/agents/agent-config.js';
import { randomUUID } from 'node:crypto';
import { settleAgentRequest, type AgentRequestDeps } from '../../shared/approvals/agent-request-settle.js';
import { newApprovalRequest, type ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { NoxError } from '../../shared/errors/nox-error.js';
import { ConflictError } from '../../shared/errors/service-errors.js';
import { ValidationError } from '../../shared/errors/validation-error.js';
import type { Logger } from '../../shared/logger.js';
import { agentChanges, type AgentChanges } from '../../shared/projects/branch-changes.js';
import { gitSlotsFor } from '../../shared/projects/git-limit.js';
import { conflictError, type MergeMode } from '../../shared/projects/branch-merge.js';
import { mergeRisk } from '../../shared/projects/merge-risk.js';
import type { Project } from '../../shared/projects/project-model.js';
import { projectStore } from '../../shared/projects/project-store.js';
import { requireCleanBase } from '../../shared/projects/repo-check.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { askForAgentRequest, openRequestFor, type AskOutcome } from '../agents/agent-request-ask.js';

/**
 * The API's side of projects (docs/WORKTREES.md): an agent config naming a project is
 * checked before it is created; the changes view; a merge asked for through a `merge`
 * approval whose risk comes from the diff's size and paths. Refusals come first and
 * change nothing: no project, nothing to merge, a conflict (with its files), a dirty base.
 */
export function requireAgentProject(ctx: NoxContext, config: Pick<AgentConfig, 'project' | 'workdir'>): Project | undefined {
  if (!config.project) return undefined;
  if (config.workdir) {
    throw new ValidationError('an agent with a project works in its worktree: leave workdir out', [{ path: 'body.workdir', message: 'not allowed with project', code: 'custom' }]);
  }
  return projectStore(registryClientFor(ctx)).require(config.project);
}

export function projectOfAgent(ctx: NoxContext, config: AgentConfig): Project {
  if (!config.project) throw new ConflictError(`agent ${config.id} has no project; its workdir is a plain folder`, ERROR_CODE.agentNoProject);
  return projectStore(registryClientFor(ctx)).require(config.project);
}

/** Bounded: two at a time in this process, 32 waiting, then 429 (shared/projects/git-limit.ts). */
export async function changesOf(ctx: NoxContext, config: AgentConfig, logger: Logger): Promise<AgentChanges> {
  const project = projectOfAgent(ctx, config);
  return gitSlotsFor(ctx).project.run(() => agentChanges(ctx.config, project, config.id, logger));
}

export async function askMerge(ctx: NoxContext, deps: AgentRequestDeps, config: AgentConfig, mode: MergeMode, requestedBy: string, correlationId: string, logger: Logger): Promise<AskOutcome> {
  const project = projectOfAgent(ctx, config);
  const again = await openRequestFor(deps, 'merge', config.id, requestedBy);
  if (again) return again;
  const changes = await gitSlotsFor(ctx).project.run(() => agentChanges(ctx.config, project, config.id, logger));
  if (!changes.head_sha || changes.ahead === 0) throw new NoxError(ERROR_CODE.mergeNothing, `${changes.branch} has no commits that are not in ${project.base}`);
  if (mode === 'merge') {
    if (changes.conflicts.length > 0) throw conflictError(config.id, project.base, changes.conflicts);
    await requireCleanBase(project.repo, project.base);
  }
  const risk = mergeRisk(changes.files, ctx.config.projects);
  const lines = changes.files.reduce((n, f) => n + f.additions + f.deletions, 0);
  const what = mode === 'merge' ? `merge ${changes.branch} into ${project.base} of project ${project.name}` : `push ${changes.branch} to ${project.repo} for a pull request`;
  const approval: ApprovalRequest = newApprovalRequest({
    agent_id: config.id,
    request_type: 'merge',
    description: `${requestedBy} wants to ${what}: ${changes.ahead} commit(s), ${changes.files.length} file(s), ${lines} changed lines${changes.uncommitted.length > 0 ? ` (${changes.uncommitted.length} uncommitted file(s) in the worktree are not part of it)` : ''}`,
    risk_level: risk.level,
    requested_by: requestedBy,
    correlation_id: correlationId,
    details: {
      agent: config.id,
      // what is merged, as the approver sees it
      input: {
        project: project.name,
        mode,
        branch: changes.branch,
        base: project.base,
        head: changes.head_sha,
        commits: changes.commits.slice(0, 50).map((c) => `${c.sha.slice(0, 12)} ${c.subject}`),
        files: changes.files.slice(0, 200).map((f) => `${f.status} ${f.path} +${f.additions} -${f.deletions}`),
      },
      risk_reasons: risk.reasons,
    },
  });
  const ask = { approval_id: approval.id, kind: 'merge' as const, agent_id: config.id, requested_by: requestedBy, correlation_id: correlationId, created_at: approval.created_at, merge: { mode, head: changes.head_sha } };
  return askForAgentRequest(ctx, deps, ask, approval, correlationId);
}

/** For the deletion approval: what happens to the agent's branch (it is kept while it has commits not in the base). */
export async function branchNote(ctx: NoxContext, config: AgentConfig, logger: Logger): Promise<string> {
  if (!config.project) return '';
  try {
    const changes = await changesOf(ctx, config, logger);
    if (!changes.head_sha) return `; it has no branch yet`;
    if (changes.ahead === 0) return `; its branch ${changes.branch} has nothing that is not in ${changes.base} (the mirror Nox serves drops it)`;
    return `; its branch ${changes.branch} has ${changes.ahead} commit(s) not in ${changes.base} and is KEPT (in the mirror Nox serves, its host's copy, and the project repository when pushed there)`;
  } catch (err) {
    return `; its branch nox/${config.id} is kept (its state could not be read: ${(err as Error).message.slice(0, 200)})`;
  }
}

/**
 * A person approves a `merge`: this API node acts on it at once, here. The merge acts on the
 * served mirror, which is kept on the machine of the API (shared/projects/merge-act.ts); left
 * to the `approval.agent-request` job, a worker host on another machine would only give the
 * job back until one on this machine took it. Claimed before the decision exists, so the job
 * the decision watcher enqueues finds it taken (as when the policy approves at once); a
 * passing failure releases the claim and the workers retry, as before.
 */
export async function approveMergeHere(ctx: NoxContext, deps: AgentRequestDeps, approvalId: string, decide: () => Promise<ApprovalRequest>): Promise<ApprovalRequest> {
  const claimer = `api:${randomUUID()}`;
  const claim = await deps.requests.claim(approvalId, claimer);
  let decided: ApprovalRequest;
  try {
    decided = await decide();
  } catch (err) {
    if (claim === 'claimed') await deps.requests.release(approvalId, claimer);
    throw err;
  }
  if (claim !== 'claimed') return decided;
  try {
    await settleAgentRequest(ctx, deps, approvalId, claimer);
  } catch (err) {
    deps.logger.warn('acting on an approved merge failed; the workers will retry', { approvalId, error: (err as Error).message });
  }
  return decided;
}
