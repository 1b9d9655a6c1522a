import type { AgentConfig } from '../../shared/agents/agent-config.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { PermissionGate } from '../approvals/permission-gate.js';
import type { PermissionDecision, PermissionRequest } from './claude-cli/protocol.js';
import { decidePermission } from './permission-policy.js';

/**
 * The `can_use_tool` questions an agent's process has open (docs/AGENTS.md, "Tool
 * permission"). Each is decided by the approvals gate when the host has one, else at once
 * by the agent's own rules (permission-policy.ts), and answered exactly once: a decision
 * for a question already answered, withdrawn by the CLI (control_cancel_request) or
 * dropped with its process is ignored. Nox owns the timeout, because the CLI would wait
 * forever.
 */
export interface PermissionQuestion {
  /** the control request's id (the answer must carry it) */
  requestId: string;
  request: PermissionRequest;
  /** the turn the question came up in */
  correlationId?: string;
}

export interface PermissionQuestions {
  readonly open: number;
  /** opens the question and starts deciding it; `onAnswer` may run before this returns */
  ask(question: PermissionQuestion, agent: AgentConfig, workdir: string | undefined): void;
  /** the CLI withdrew the question */
  withdraw(requestId: string): void;
  /** the process that asked is gone: every open question is moot */
  dropAll(): void;
}

export interface PermissionQuestionsDeps {
  agentId: string;
  /** a question still open after this long is denied (questionTimeoutMs) */
  timeoutMs: number;
  gate?: PermissionGate;
  logger: Logger;
  /** once per question, with its decision: write it to the CLI */
  onAnswer(question: PermissionQuestion, decision: PermissionDecision): void;
}

/**
 * How long a question may stay open. With approvals, their timeout decides (and is
 * recorded), so this is only a backstop in case the workflow is unreachable.
 */
export function questionTimeoutMs(config: NoxConfig, gated: boolean): number {
  return gated ? config.approvals.timeout_ms + config.agent.permission_timeout_ms : config.agent.permission_timeout_ms;
}

export function createPermissionQuestions(deps: PermissionQuestionsDeps): PermissionQuestions {
  const { agentId, gate, logger } = deps;
  const open = new Map<string, NodeJS.Timeout>();

  const close = (requestId: string): boolean => {
    const timer = open.get(requestId);
    if (timer) clearTimeout(timer);
    return open.delete(requestId);
  };
  const withdrawFromGate = (requestId: string): void => {
    gate?.withdraw(agentId, requestId).catch((err) => logger.warn('withdrawing an approval failed', errorFields(err)));
  };

  return {
    get open() {
      return open.size;
    },
    ask(question, agent, workdir) {
      const { requestId, request } = question;
      const answer = (decision: PermissionDecision): void => {
        if (!close(requestId)) return; // already answered, withdrawn or dropped
        deps.onAnswer(question, decision);
      };
      const timer = setTimeout(() => answer({ behavior: 'deny', message: `Nox: no decision within ${deps.timeoutMs} ms` }), deps.timeoutMs);
      timer.unref();
      open.set(requestId, timer);
      if (!gate) {
        answer(decidePermission(agent, request));
        return;
      }
      const { tool_name: toolName, input, tool_use_id: toolUseId, description } = request;
      gate
        .ask({ agentId, requestId, toolName, input, toolUseId, description, workdir, addDirs: agent.add_dirs, ...(question.correlationId ? { correlationId: question.correlationId } : {}) })
        .then(answer, (err: unknown) => answer({ behavior: 'deny', message: `Nox: the approval failed: ${(err as Error).message}` }));
    },
    withdraw(requestId) {
      close(requestId);
      withdrawFromGate(requestId);
    },
    dropAll() {
      for (const requestId of [...open.keys()]) {
        close(requestId);
        withdrawFromGate(requestId);
      }
    },
  };
}
