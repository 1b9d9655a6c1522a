import type { Response } from 'express';
import { z } from 'zod';
import { agentConfigSchema, type AgentConfig } from '../../../shared/agents/agent-config.js';
import { AGENT_REQUEST_KINDS, AGENT_REQUEST_STATUSES, type AgentRequest } from '../../../shared/agents/agent-requests.js';
import type { AgentRuntime } from '../../../shared/agents/runtime-state.js';
import { ID_PATTERN } from '../../../shared/ids.js';
import type { AskOutcome } from '../../agents/agent-request-ask.js';
import { OPERATORS, PEOPLE } from '../../http/auth.js';

/**
 * What the agent route modules share: the roles, the `:id` parameter, and the shapes of
 * the answers (an agent = its config joined with its runtime state; an agent request =
 * a spawn or deletion waiting for an approval).
 */
export const READERS = [...PEOPLE, 'agent'] as const;
/** people who act, and agents (whose creations are spawns of their children) */
export const CREATORS = [...OPERATORS, 'agent'] as const;

export const idParams = z.object({ id: z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`) }).strict();

export type AgentView = AgentConfig & { runtime: AgentRuntime | null };

export const agentView = agentConfigSchema.extend({ runtime: z.record(z.string(), z.unknown()).nullable() });

export const view = (config: AgentConfig, runtime: AgentRuntime | undefined): AgentView => ({ ...config, runtime: runtime ?? null });

export const agentRequestView = z.object({
  approval_id: z.string(),
  kind: z.enum(AGENT_REQUEST_KINDS),
  agent_id: z.string(),
  requested_by: z.string(),
  status: z.enum(AGENT_REQUEST_STATUSES),
  created_at: z.string(),
  updated_at: z.string(),
  start: z.boolean().optional(),
  error: z.string().optional(),
  result: z.record(z.string(), z.unknown()).optional(),
  config: agentConfigSchema.optional(),
});

/** An agent request as the API shows it: without the workers' bookkeeping (claim, correlation, incarnation). */
export function requestView(r: AgentRequest): z.infer<typeof agentRequestView> {
  const { claimed_by: _c, correlation_id: _k, incarnation: _i, ...rest } = r;
  return rest;
}

/** 202: the act waits for a person (or, `acting`, was approved and is being carried out by the workers) */
export const waitingView = z.object({
  id: z.string(),
  status: z.enum(['pending', 'acting']),
  approval_id: z.string(),
  request: agentRequestView,
});

export function waiting(outcome: AskOutcome): z.infer<typeof waitingView> {
  return { id: outcome.request.agent_id, status: outcome.status === 'acting' ? 'acting' : 'pending', approval_id: outcome.approval.id, request: requestView(outcome.request) };
}

/** Answers with a status chosen by the handler (a route declares one; the acts that may wait have two). */
export function answer(res: Response, status: number, body?: unknown): undefined {
  if (body === undefined) res.status(status).end();
  else res.status(status).json(body);
  return undefined;
}
