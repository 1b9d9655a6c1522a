import { randomUUID } from 'node:crypto';
import type { PermissionDecision } from '../agents/claude-cli/protocol.js';
import { ApprovalAlreadyDecidedError } from '../../shared/errors/approval-errors.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { clipInput, newApprovalRequest, toolUseApprovalId, type ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { approvalsFor } from '../../shared/approvals/approvals.js';
import { createDecisionWaiter } from './decision-waiter.js';
import { classifyToolUse } from '../../shared/approvals/risk.js';

/**
 * The decision API for the agents runtime: the supervisor hands over a `can_use_tool`
 * question and gets a promise of the CLI's answer.
 *
 *   const gate = createPermissionGate(ctx);
 *   const decision = await gate.ask({ agentId, requestId, toolName, input, toolUseId, workdir });
 *   proc.write(permissionResponseLine(requestId, decision));
 *
 * The question becomes an ApprovalRequest (tool_use, risk from risk.ts, id derived from the
 * agent and the CLI's request id, so asking twice — a retry, a restarted host — is the same
 * approval) on the `approvals` queue. The promise resolves when its `approval.decided`
 * event arrives: allow with `updatedInput` = the original input, or deny with the reason.
 * It has no timer of its own: the CLI waits without limit and Nox's timeout is the
 * approvals timeout job, which decides (deny) like anyone else.
 */
export interface PermissionQuestion {
  agentId: string;
  /** the control request's id (answers must carry it) */
  requestId: string;
  toolName: string;
  input: Record<string, unknown>;
  toolUseId?: string;
  /** the agent's working directory (absolute): edits inside it are medium risk, outside critical */
  workdir?: string;
  addDirs?: readonly string[];
  /** the CLI's own description of the tool use */
  description?: string;
  correlationId?: string;
}

export interface PermissionGate {
  ask(question: PermissionQuestion): Promise<PermissionDecision>;
  /** the CLI withdrew the question (control_cancel_request): deny it if still pending, forget the waiter */
  withdraw(agentId: string, requestId: string): Promise<void>;
  /** questions waiting for a decision in this process */
  readonly waiting: number;
  readonly lastError: Error | undefined;
  readonly lastRunAt: number;
  close(): Promise<void>;
}

/** The CLI's answer for a decided approval. */
export function answerFor(decided: ApprovalRequest, input: Record<string, unknown>): PermissionDecision {
  if (decided.decision === 'approve') return { behavior: 'allow', updatedInput: input };
  const tool = decided.details.tool ?? 'this tool';
  return { behavior: 'deny', message: `Nox denied ${tool} (${decided.decided_by ?? 'policy'}): ${decided.reason || 'no reason given'}` };
}

function describe(q: PermissionQuestion): string {
  const subject = q.input.command ?? q.input.file_path ?? q.input.notebook_path ?? q.input.path ?? q.input.url ?? q.input.pattern;
  const base = q.description ?? `${q.toolName}${typeof subject === 'string' ? ` ${subject}` : ''}`;
  return base.slice(0, 2000) || q.toolName;
}

export function createPermissionGate(ctx: NoxContext): PermissionGate {
  const logger = ctx.logger.child({ component: 'permission-gate' });
  const approvals = approvalsFor(ctx);
  const waiter = createDecisionWaiter(ctx, approvals);

  return {
    async ask(q) {
      const risk = classifyToolUse({ tool: q.toolName, input: q.input, workdir: q.workdir, addDirs: q.addDirs });
      const correlationId = q.correlationId ?? randomUUID();
      const request = newApprovalRequest({
        id: toolUseApprovalId(q.agentId, q.requestId),
        agent_id: q.agentId,
        request_type: 'tool_use',
        description: describe(q),
        risk_level: risk.level,
        requested_by: `agent:${q.agentId}`,
        correlation_id: correlationId,
        details: {
          tool: q.toolName,
          input: clipInput(q.input),
          request_id: q.requestId,
          ...(q.toolUseId ? { tool_use_id: q.toolUseId } : {}),
          ...(q.workdir ? { workdir: q.workdir } : {}),
          risk_reasons: risk.reasons.map((r) => r.slice(0, 300)),
        },
      });
      let decided: ApprovalRequest;
      try {
        decided = await waiter.submitAndWait(request, correlationId);
      } catch (err) {
        logger.error('could not submit a permission question; denying it', { agentId: q.agentId, tool: q.toolName, ...errorFields(err) });
        return { behavior: 'deny', message: `Nox could not ask for approval of ${q.toolName}: ${(err as Error).message}` };
      }
      return answerFor(decided, q.input);
    },
    async withdraw(agentId, requestId) {
      const id = toolUseApprovalId(agentId, requestId);
      waiter.forget(id);
      try {
        await approvals.decide(id, { decision: 'deny', decided_by: 'system', reason: 'the agent withdrew the question', policy_rule: 'withdrawn' });
      } catch (err) {
        if (!(err instanceof ApprovalAlreadyDecidedError)) logger.debug('withdrawing a question found nothing to deny', { approvalId: id, ...errorFields(err) });
      }
    },
    get waiting() {
      return waiter.waiting;
    },
    get lastError() {
      return waiter.lastError;
    },
    get lastRunAt() {
      return waiter.lastRunAt;
    },
    close: () => waiter.close(),
  };
}
