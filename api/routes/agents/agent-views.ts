import type { Response } from 'express';
import { z } from 'zod';
import { agentConfigSchema, type AgentConfig } from '../../../shared/agents/agent-config.js';
import { AGENT_REQUEST_KINDS, AGENT_REQUEST_STATUSES, type AgentRequest } from '../../../shared/agents/agent-requests.js';
import type { AgentRuntime } from '../../../shared/agents/runtime-state.js';
import { ID_PATTERN } from '../../../shared/ids.js';
import type { Principal } from '../../../shared/types.js';
import type { AskOutcome } from '../../agents/agent-request-ask.js';
import type { AgentSummary } from '../../agents/agent-list.js';
import { ownAgent } from '../../http/agent-scope.js';
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

/**
 * What an agent token sees of another agent: who it is, what it is for and whether it runs.
 * Never what it was given — system prompt, tools, MCP servers (commands, env), workdir,
 * add_dirs, model, budget, limits — nor where and how it runs (host, pid, session, cost).
 */
export const publicAgentView = z.object({
  id: z.string(),
  name: z.string(),
  status: agentConfigSchema.shape.status,
  capabilities: z.array(z.string()),
  relationships: agentConfigSchema.shape.relationships,
  parent: z.string().optional(),
  created_at: z.string(),
  runtime: z.object({ status: z.string() }).nullable(),
  /** marks the reduced view, so a client never mistakes it for the whole config */
  view: z.literal('public'),
});
export type PublicAgentView = z.infer<typeof publicAgentView>;

export function publicView(config: AgentConfig, runtime: AgentRuntime | undefined): PublicAgentView {
  return {
    id: config.id,
    name: config.name,
    status: config.status,
    capabilities: config.capabilities,
    relationships: config.relationships,
    ...(config.parent ? { parent: config.parent } : {}),
    created_at: config.created_at,
    runtime: runtime?.status ? { status: runtime.status } : null,
    view: 'public',
  };
}

/** A row of the agents list (api/agents/agent-list.ts): the columns, not the config. */
export const agentSummaryView = z.object({
  id: z.string(),
  name: z.string(),
  runtimeStatus: z.string(),
  hostId: z.string().nullable(),
  costUsd: z.number(),
  cpuPercent: z.number().nullable(),
  memoryMb: z.number().nullable(),
  restarts: z.number(),
  reason: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
  parent: z.string().optional(),
  created_at: z.string(),
});

/** Another agent's row for an agent token: the public fields only (as publicView). */
export function publicSummary(config: AgentConfig, summary: AgentSummary): PublicAgentView & { runtimeStatus: string } {
  return { ...publicView(config, undefined), runtime: summary.runtimeStatus === 'never-started' ? null : { status: summary.runtimeStatus }, runtimeStatus: summary.runtimeStatus };
}

/** The whole view for people and for an agent's own config; the public view of another agent for an agent token. */
export function viewFor(principal: Principal | undefined, config: AgentConfig, runtime: AgentRuntime | undefined): AgentView | PublicAgentView {
  const me = ownAgent(principal);
  return me === undefined || me === config.id ? view(config, runtime) : publicView(config, runtime);
}

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
