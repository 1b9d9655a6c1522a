import { existsSync } from 'node:fs';
import type { AgentRequest } from '../agents/agent-requests.js';
import type { ApprovalRequest } from '../approvals/approval-request.js';
import { ERROR_CODE } from '../errors/codes.js';
import { ConflictError } from '../errors/service-errors.js';
import type { Logger } from '../logger.js';
import { registryClientFor } from '../registry/registry-client.js';
import type { NoxContext } from '../runtime/context.js';
import { mergeAgentBranch } from './branch-merge.js';
import { gitSlotsFor } from './git-limit.js';
import { PROJECT_EVENT } from './project-events.js';
import { servedMirror } from './project-paths.js';
import { projectStore } from './project-store.js';

/**
 * The act of an approved `merge` request (shared/approvals/agent-request-settle.ts calls it,
 * from the API when the policy approves at once or from the `approval.agent-request` job).
 * The branch merged is the one approved: if the agent committed since the request, that is
 * refused (the approver did not see those commits) and asked again.
 */
export async function mergeNow(ctx: NoxContext, request: AgentRequest, approval: ApprovalRequest, logger: Logger): Promise<Record<string, unknown>> {
  const ask = request.merge;
  if (!ask) throw new ConflictError(`merge request ${request.approval_id} carries no merge`, ERROR_CODE.agentRequestInvalid);
  const agent = registryClientFor(ctx).read.agent(request.agent_id);
  const projectName = typeof agent?.project === 'string' ? agent.project : undefined;
  if (!projectName) throw new ConflictError(`agent ${request.agent_id} has no project`, ERROR_CODE.agentNoProject);
  const project = projectStore(registryClientFor(ctx)).require(projectName);
  // The merge acts on the served mirror, kept on the machine of the API (the API made it when
  // the merge was asked: the changes it shows). A host elsewhere that took this job gives it
  // back — a passing failure: the job is retried, by a host of that machine (docs/WORKTREES.md).
  if (!existsSync(servedMirror(ctx.config, project.name))) throw new Error(`this machine does not keep the served mirror of project ${project.name}; a host on the machine of the API acts on the merge`);
  // bounded with the changes views of this process (git-limit.ts)
  const result = await gitSlotsFor(ctx).project.run(() => mergeAgentBranch(ctx.config, project, request.agent_id, ask.mode, approval.decided_by ?? request.requested_by, logger, ask.head));
  await ctx.events.publish({
    type: PROJECT_EVENT.merged,
    agentId: request.agent_id,
    ...(request.correlation_id ? { correlationId: request.correlation_id } : {}),
    data: { ...result, project: project.name, approvalId: request.approval_id, approvedBy: approval.decided_by ?? null },
  });
  return { ...result };
}

export async function tellMerge(ctx: NoxContext, request: AgentRequest, outcome: 'denied' | 'failed', data: Record<string, unknown>): Promise<void> {
  await ctx.events.publish({
    type: outcome === 'denied' ? PROJECT_EVENT.mergeDenied : PROJECT_EVENT.mergeFailed,
    agentId: request.agent_id,
    ...(request.correlation_id ? { correlationId: request.correlation_id } : {}),
    data,
  });
}
