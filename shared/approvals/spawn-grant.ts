import { createHash } from 'node:crypto';
import type { AgentConfig } from '../agents/agent-config.js';
import { looksLikeCredential } from '../mcp/catalog.js';

/**
 * What a spawn approval grants (DESIGN.md, "Containment": an approval shows all it grants,
 * and a remembered rule grants no more than what was shown).
 *
 * - `spawnDetails`: the child's whole config as the approver reads it — model, permission
 *   mode, allowed and disallowed tools, MCP servers with their commands, args and env,
 *   workdir, add_dirs, budget, limits, system prompt — plus whether it starts at once.
 * - `spawnFingerprint`: a stable hash of that config, normalized, so "approve + remember"
 *   stores a rule for exactly this config (policy.ts `fingerprints`), not for every later
 *   spawn of the parent. A child with another MCP server, permission mode, tool, prompt,
 *   folder or budget has another fingerprint and asks again.
 */

/** Fields that name the child or stamp it, not what it may do: a remembered spawn may repeat under another id. */
const IDENTITY = new Set(['id', 'name', 'created_at', 'last_modified', 'parent', 'status']);
/** Lists whose order means nothing: sorted, so the same grant in another order is the same grant. */
const SETS = new Set(['allowed_tools', 'disallowed_tools', 'add_dirs', 'capabilities']);

/** Keys sorted at every level, undefined left out: one JSON text per value. */
function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

/** The config as the fingerprint sees it: no identity, set-like lists sorted, keys sorted. */
export function normalizedSpawn(config: AgentConfig, start: boolean): unknown {
  const grant: Record<string, unknown> = { start };
  for (const [key, value] of Object.entries(config)) {
    if (IDENTITY.has(key)) continue;
    if (SETS.has(key) && Array.isArray(value)) grant[key] = [...(value as unknown[])].map(String).sort();
    else if (key === 'relationships' && Array.isArray(value)) grant[key] = value.map((r) => JSON.stringify(canonical(r))).sort();
    else grant[key] = value ?? null;
  }
  return canonical(grant);
}

/** `sha256:<64 hex>` of the normalized config: equal for the same grant, whatever the child is called. */
export function spawnFingerprint(config: AgentConfig, start: boolean): string {
  return `sha256:${createHash('sha256').update(JSON.stringify(normalizedSpawn(config, start))).digest('hex')}`;
}

/** The longest system prompt an approval carries in full; the agent request keeps the whole config. */
export const PROMPT_SHOWN = 20_000;

/**
 * An MCP server entry as the approval shows it: everything, except the values of env vars
 * and headers whose names look like credentials (the approval lands in events and in
 * approval-history.toml; the fingerprint still covers those values).
 */
export function shownMcpServer(entry: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...entry };
  for (const map of ['env', 'headers'] as const) {
    const values = entry[map];
    if (!values || typeof values !== 'object') continue;
    out[map] = Object.fromEntries(Object.entries(values as Record<string, unknown>).map(([k, v]) => [k, looksLikeCredential(k) ? '‹redacted›' : v]));
  }
  return out;
}

/** The child's whole config for the approval's `details.input`. */
export function spawnDetails(config: AgentConfig, start: boolean): Record<string, unknown> {
  const prompt = config.system_prompt;
  return {
    id: config.id,
    name: config.name,
    parent: config.parent ?? null,
    model: config.model ?? null,
    permission_mode: config.permission_mode,
    allowed_tools: config.allowed_tools,
    disallowed_tools: config.disallowed_tools,
    mcp_servers: Object.fromEntries(Object.entries(config.mcp_servers).map(([name, entry]) => [name, shownMcpServer(entry)])),
    workdir: config.workdir ?? null,
    add_dirs: config.add_dirs,
    max_budget_usd: config.max_budget_usd ?? null,
    resource_limits: config.resource_limits,
    labels: config.labels,
    capabilities: config.capabilities,
    relationships: config.relationships,
    system_prompt: prompt.length > PROMPT_SHOWN ? `${prompt.slice(0, PROMPT_SHOWN)}… [${prompt.length - PROMPT_SHOWN} more characters: GET /api/agent-requests/<approval id> has the whole config]` : prompt,
    replace_system_prompt: config.replace_system_prompt,
    start,
  };
}

/** One line per MCP server for the description: `fs (npx -y @mcp/fs /data)`. */
export function mcpServersLine(config: AgentConfig): string {
  return Object.entries(config.mcp_servers)
    .map(([name, entry]) => {
      const command = typeof entry.command === 'string' ? [entry.command, ...(Array.isArray(entry.args) ? entry.args.map(String) : [])].join(' ') : typeof entry.url === 'string' ? entry.url : JSON.stringify(entry);
      return `${name} (${command.length > 200 ? `${command.slice(0, 200)}…` : command})`;
    })
    .join(', ');
}
