import { z } from 'zod';
import { ID_PATTERN } from '../ids.js';

/**
 * An agent's configuration: what agents.toml holds under `[agents.<id>]`. The seed's
 * AgentConfig (id, name, system_prompt, status, created_at, last_modified,
 * resource_limits, capabilities, relationships) plus what running it needs: model,
 * workdir, permission mode, tools, budget, placement labels and the parent agent.
 * Runtime state (is it running, where, its cost so far) lives in Redis, not here.
 */
export const PERMISSION_MODES = ['default', 'acceptEdits', 'plan', 'bypassPermissions', 'dontAsk', 'auto'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];

/** Desired state, set by people: `active` agents are kept running, `inactive` ones are not started. */
export const CONFIG_STATUSES = ['active', 'inactive'] as const;

export const resourceLimitsSchema = z
  .object({
    /** RSS of the agent's whole process tree; over it the agent is stopped. Default unset (no limit). */
    max_memory_mb: z.number().int().positive().optional(),
    /** CPU% of the tree (100 = one core); sustained over it the agent is throttled. Default unset. */
    max_cpu_percent: z.number().positive().max(10_000).optional(),
    /** Turns the agent works on at once. A CLI process runs one turn at a time, so only 1 is accepted today. Default 1. */
    max_concurrent_tasks: z.number().int().min(1).max(1).default(1),
    /** Children this agent may spawn per hour (overrides agent.max_spawn_rate_per_parent). */
    max_spawn_rate: z.number().int().min(0).optional(),
  })
  .strict();
export type ResourceLimits = z.output<typeof resourceLimitsSchema>;

export const relationshipSchema = z.object({ agent: z.string().regex(ID_PATTERN), kind: z.string().min(1).max(40) }).strict();

const toolName = z.string().min(1).max(200);
const label = z.record(z.string().regex(/^[a-z0-9_.-]{1,63}$/), z.string().max(63));

/** Fields a person (or an agent, through the API) may set. */
export const agentConfigInputSchema = z
  .object({
    id: z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`),
    name: z.string().min(1).max(200).optional(),
    system_prompt: z.string().max(200_000).default(''),
    /** replaces the default system prompt when true (`--system-prompt`), else appends (`--append-system-prompt`) */
    replace_system_prompt: z.boolean().default(true),
    status: z.enum(CONFIG_STATUSES).default('active'),
    resource_limits: resourceLimitsSchema.default(() => resourceLimitsSchema.parse({})),
    capabilities: z.array(z.string().min(1).max(100)).max(100).default([]),
    relationships: z.array(relationshipSchema).max(1000).default([]),
    model: z.string().min(1).max(100).optional(),
    /** working directory; default `<agent.workspace_root>/<id>` (relative: from the workspace root); the agent's sandbox makes it writable */
    workdir: z.string().min(1).max(4096).optional(),
    /** a project (projects.toml): the agent works in its own git worktree on branch `nox/<id>`, which is its workdir (docs/WORKTREES.md); fixed once created */
    project: z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`).optional(),
    /** extra folders the agent may use (`--add-dir`; writable in its sandbox) */
    add_dirs: z.array(z.string().min(1).max(4096)).max(50).default([]),
    permission_mode: z.enum(PERMISSION_MODES).default('default'),
    allowed_tools: z.array(toolName).max(500).default([]),
    disallowed_tools: z.array(toolName).max(500).default([]),
    /** whole-life budget in USD, across restarts; reaching it stops new turns */
    max_budget_usd: z.number().positive().optional(),
    /** what this agent and every agent it spawned (children, their children...) may spend together; reaching it stops new turns in the whole subtree */
    subtree_budget_usd: z.number().positive().optional(),
    /** placement: the host must carry every one of these labels */
    labels: label.default({}),
    /** the agent that spawned this one (hierarchy depth, per-parent spawn rate) */
    parent: z.string().regex(ID_PATTERN).optional(),
    /** `mcpServers` map as the CLI's --mcp-config takes it */
    mcp_servers: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,64}$/), z.record(z.string(), z.unknown())).default({}),
  })
  .strict();

export const agentConfigSchema = agentConfigInputSchema.extend({
  name: z.string().min(1).max(200),
  created_at: z.string(),
  last_modified: z.string(),
});

export type AgentConfigInput = z.input<typeof agentConfigInputSchema>;
export type AgentConfig = z.output<typeof agentConfigSchema>;

/**
 * PATCH: every field but the id (and the stamps) may change. Zod 4 applies defaults inside
 * `.partial()`, so only the keys the caller actually sent are kept (patchAgentConfig).
 */
export const agentConfigPatchSchema = agentConfigInputSchema.omit({ id: true, project: true }).partial().strict();
export type AgentConfigPatch = z.input<typeof agentConfigPatchSchema>;

export function newAgentConfig(input: AgentConfigInput, now = new Date()): AgentConfig {
  const parsed = agentConfigInputSchema.parse(input);
  const at = now.toISOString();
  return { ...parsed, name: parsed.name ?? parsed.id, created_at: at, last_modified: at };
}

export function patchAgentConfig(current: AgentConfig, patch: AgentConfigPatch, now = new Date()): AgentConfig {
  const parsed = agentConfigPatchSchema.parse(patch);
  const sent = new Set(Object.keys(patch));
  const defined = Object.fromEntries(Object.entries(parsed).filter(([k, v]) => sent.has(k) && v !== undefined));
  return agentConfigSchema.parse({ ...current, ...defined, last_modified: now.toISOString() });
}
