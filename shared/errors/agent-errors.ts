import { ERROR_CODE } from './codes.js';
import { NotFoundError } from './not-found-error.js';
import { NoxError } from './nox-error.js';
import { ConflictError } from './service-errors.js';

/** Errors of the agents area, each with a stable code (mapped once to problem+json). */
export class AgentNotFoundError extends NotFoundError {
  constructor(agentId: string) {
    super(`No agent "${agentId}"`, ERROR_CODE.agentNotFound);
  }
}

export class AgentExistsError extends ConflictError {
  constructor(agentId: string) {
    super(`An agent "${agentId}" already exists`, ERROR_CODE.agentExists);
  }
}

export class AgentNotParkedError extends ConflictError {
  constructor(agentId: string, status: string) {
    super(`Agent "${agentId}" is not parked (status ${status}): there is nothing to resume`, ERROR_CODE.agentNotParked);
  }
}

export class AgentNotRunningError extends ConflictError {
  constructor(agentId: string, status: string) {
    super(`Agent "${agentId}" is not running (status ${status})`, ERROR_CODE.agentNotRunning);
  }
}

export class AgentOverBudgetError extends ConflictError {
  constructor(agentId: string, spent: number, budget: number) {
    super(`Agent "${agentId}" has spent $${spent.toFixed(4)} of its $${budget} budget; no new turns`, ERROR_CODE.agentOverBudget);
  }
}

/** 409: a budget the agent shares (its spawn subtree's, the fleet's daily) is spent. */
export class BudgetReachedError extends ConflictError {
  constructor(agentId: string, reason: string) {
    super(`Agent "${agentId}" takes no new turns: ${reason}`, ERROR_CODE.budgetReached);
  }
}

/** 409: the task's `budget_usd` is spent: no agent takes a turn for it (its other turns go on). */
export class TaskBudgetReachedError extends NoxError {
  readonly taskId: string;
  constructor(taskId: string, reason: string, figures: { spentUsd: number; budgetUsd: number }) {
    super(ERROR_CODE.budgetReached, `No new turns for task "${taskId}": ${reason}`, { extensions: { scope: 'task', taskId, ...figures } });
    this.taskId = taskId;
  }
}

export class TurnQueueFullError extends NoxError {
  constructor(agentId: string, max: number) {
    super(ERROR_CODE.turnQueueFull, `Agent "${agentId}" already has ${max} turns queued`);
  }
}

export type SpawnRefusal = 'rate' | 'parent-rate' | 'depth';

/** 429 (rate) or 422 (depth): a spawn the guards refuse, with the limit that did it. */
export class SpawnRefusedError extends NoxError {
  readonly refusal: SpawnRefusal;
  constructor(refusal: SpawnRefusal, message: string, limit: number) {
    super(refusal === 'depth' ? ERROR_CODE.spawnDepthExceeded : ERROR_CODE.spawnRateExceeded, message, { extensions: { refusal, limit } });
    this.refusal = refusal;
  }
}

/** 404: no agent request (spawn or deletion waiting for an approval) under this approval id, or it expired. */
export class AgentRequestNotFoundError extends NotFoundError {
  constructor(approvalId: string) {
    super(`No agent request for approval "${approvalId}"`, ERROR_CODE.agentRequestNotFound);
  }
}

/**
 * 503: this worker host cannot sandbox agents (docs/SANDBOX.md) and `agent.sandbox` is not
 * "off". Never a silent downgrade: the agent goes `failed` with `reason` and `fix`; no retry
 * on this host would change the answer.
 */
export class SandboxUnavailableError extends NoxError {
  constructor(reason: string, fix: string) {
    super(ERROR_CODE.sandboxUnavailable, `agents cannot run sandboxed on this host: ${reason}. Fix: ${fix}`, { extensions: { reason, fix } });
  }
}

/** 422: the agent's config would open its sandbox too wide, or names what it cannot forward (the message says which). */
export class SandboxRefusedError extends NoxError {
  constructor(message: string) {
    super(ERROR_CODE.sandboxRefused, message);
  }
}

/** The host cannot sandbox, or the config opens the sandbox too wide: starting again would fail the same way. */
export function isSandboxError(err: unknown): err is SandboxUnavailableError | SandboxRefusedError {
  return err instanceof SandboxUnavailableError || err instanceof SandboxRefusedError;
}
