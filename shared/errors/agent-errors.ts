import { ConflictError } from './service-errors.js';
import { NoxError } from './nox-error.js';
import { NotFoundError } from './not-found-error.js';

/** Errors of the agents area, each with a stable code (mapped once to problem+json). */
export class AgentNotFoundError extends NotFoundError {
  constructor(agentId: string) {
    super(`No agent "${agentId}"`, 'nox:agent-not-found');
  }
}

export class AgentExistsError extends ConflictError {
  constructor(agentId: string) {
    super(`An agent "${agentId}" already exists`, 'nox:agent-exists');
  }
}

export class AgentNotRunningError extends ConflictError {
  constructor(agentId: string, status: string) {
    super(`Agent "${agentId}" is not running (status ${status})`, 'nox:agent-not-running');
  }
}

export class AgentOverBudgetError extends ConflictError {
  constructor(agentId: string, spent: number, budget: number) {
    super(`Agent "${agentId}" has spent $${spent.toFixed(4)} of its $${budget} budget; no new turns`, 'nox:agent-over-budget');
  }
}

export class TurnQueueFullError extends NoxError {
  constructor(agentId: string, max: number) {
    super('nox:turn-queue-full', `Agent "${agentId}" already has ${max} turns queued`, { status: 429, title: 'Too many requests' });
  }
}

export type SpawnRefusal = 'rate' | 'parent-rate' | 'depth';

/** 429 (rate) or 422 (depth): a spawn the guards refuse, with the limit that did it. */
export class SpawnRefusedError extends NoxError {
  readonly refusal: SpawnRefusal;
  constructor(refusal: SpawnRefusal, message: string, limit: number) {
    super(refusal === 'depth' ? 'nox:spawn-depth-exceeded' : 'nox:spawn-rate-exceeded', message, {
      status: refusal === 'depth' ? 422 : 429,
      title: 'Spawn refused',
      extensions: { refusal, limit },
    });
    this.refusal = refusal;
  }
}

/** 404: no agent request (spawn or deletion waiting for an approval) under this approval id, or it expired. */
export class AgentRequestNotFoundError extends NotFoundError {
  constructor(approvalId: string) {
    super(`No agent request for approval "${approvalId}"`, 'nox:agent-request-not-found');
  }
}
