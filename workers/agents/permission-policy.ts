import type { AgentConfig } from '../../shared/agents/agent-config.js';
import type { PermissionDecision, PermissionRequest } from './claude-cli/protocol.js';

/**
 * Answers a `can_use_tool` question from the agent's own configuration, until the
 * approvals workflow (its own issue) takes over. Deny by default, always with a reason the
 * model can read:
 * 1. `bypassPermissions` allows everything;
 * 2. a match in `disallowed_tools` denies;
 * 3. a match in `allowed_tools` allows;
 * 4. `acceptEdits` allows the file-editing tools;
 * 5. everything else is denied.
 *
 * Patterns follow the CLI's own: `Read` (a tool), `mcp__server` (every tool of a server),
 * `mcp__server__tool`, `Bash(git status)` (exact command), `Bash(git:*)` (command prefix).
 */
const EDIT_TOOLS = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);

export function toolMatches(pattern: string, toolName: string, input: Record<string, unknown>): boolean {
  const open = pattern.indexOf('(');
  if (open < 0) return pattern === toolName || (pattern.startsWith('mcp__') && toolName.startsWith(`${pattern}__`));
  if (!pattern.endsWith(')') || pattern.slice(0, open) !== toolName) return false;
  const spec = pattern.slice(open + 1, -1);
  const subject = String(input.command ?? input.file_path ?? input.path ?? input.url ?? '');
  // `git:*` is a prefix on a word boundary: `git status` yes, `github` no
  if (spec.endsWith(':*')) return subject === spec.slice(0, -2) || subject.startsWith(`${spec.slice(0, -2)} `);
  return subject === spec;
}

export function decidePermission(agent: AgentConfig, request: PermissionRequest): PermissionDecision {
  const { tool_name: tool, input } = request;
  const allow: PermissionDecision = { behavior: 'allow', updatedInput: input };
  if (agent.permission_mode === 'bypassPermissions') return allow;
  const denied = agent.disallowed_tools.find((p) => toolMatches(p, tool, input));
  if (denied) return { behavior: 'deny', message: `Nox: ${tool} is disallowed for agent ${agent.id} (rule "${denied}")` };
  if (agent.allowed_tools.some((p) => toolMatches(p, tool, input))) return allow;
  if (agent.permission_mode === 'acceptEdits' && EDIT_TOOLS.has(tool)) return allow;
  return {
    behavior: 'deny',
    message: `Nox: ${tool} is not in the allowed tools of agent ${agent.id} (permission mode ${agent.permission_mode}); denied by default`,
  };
}
