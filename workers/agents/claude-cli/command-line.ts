import path from 'node:path';
import type { NoxConfig } from '../../../shared/config/schema.js';
import type { AgentConfig } from '../../../shared/agents/agent-config.js';
import { agentEnvironment } from '../sandbox/agent-env.js';

/**
 * How an agent process is started: program, arguments, environment and working folder,
 * from the host's `agent` config section and the agent's own config. The flags and their
 * rules (docs/AGENTS.md, "The process"):
 * - `--output-format stream-json` with `-p` requires `--verbose`; `--input-format
 *   stream-json` requires `--output-format stream-json`;
 * - `--session-id <uuid>` on the first start only (a used id is refused as "already in
 *   use"), `--resume <id>` on every later start;
 * - `--permission-prompt-tool stdio` makes the CLI ask Nox on the same pipes;
 * - `--fallback-model` (agent.fallback_model): the CLI switches to it after a few 529s.
 */
export interface LaunchOptions {
  sessionId: string;
  /** true once the session exists (any start after the first) */
  resume: boolean;
  /** the 0600 file holding the agent's own scoped token (role agent), for the Nox tools server */
  tokenFile: string;
  /** NOX_API_URL as the agent sees it (inside the sandbox: its forward) */
  apiUrl: string;
  /** budget left across restarts, passed as --max-budget-usd (the CLI counts per process) */
  remainingBudgetUsd?: number;
  /** MCP servers Nox adds (e.g. its tools server), merged over the agent's own */
  extraMcpServers?: Record<string, Record<string, unknown>>;
  /** variables the sandbox sets (the model URL it forwards, its proxy) */
  sandboxEnv?: Record<string, string>;
  /** `--fallback-model` (default: `agent.fallback_model`); left out when it is the agent's own model */
  fallbackModel?: string;
}

export interface AgentLaunch {
  command: string;
  args: string[];
  env: Record<string, string>;
  cwd: string;
  /** the agent's private CLAUDE_CONFIG_DIR (sessions live under it) */
  configDir: string;
  /**
   * Set when `command` is a sandbox that runs the agent's program as its child: its leader
   * stays outside while the program runs inside (process-runner.ts signals accordingly).
   */
  sandbox?: 'bubblewrap';
}

/**
 * The folder of the agents' working folders: `agent.workspace_root`, default `.nox-work`
 * beside the registry folder — outside the registry's git, where a commit could pick up
 * what an agent writes. Relative paths are from the registry folder's parent.
 */
export function workspaceRoot(config: NoxConfig): string {
  return path.resolve(path.dirname(config.registryDir), config.agent.workspace_root ?? '.nox-work');
}

/** The agent's working folder: its own `workdir` (relative: from the workspace root), default `<workspace root>/<id>`. */
export function agentWorkdir(config: NoxConfig, agent: Pick<AgentConfig, 'id' | 'workdir'>): string {
  return path.resolve(workspaceRoot(config), agent.workdir ?? agent.id);
}

/**
 * The private CLAUDE_CONFIG_DIR. It holds session transcripts and credentials caches, so it
 * sits under the registry's `.runtime/` (not committed) rather than next to agents.toml.
 */
export function agentConfigDir(config: NoxConfig, agentId: string): string {
  return path.join(agentRuntimeDir(config, agentId), 'claude');
}

/** The agent's private runtime folder on this host (never committed): `claude/` (its CLAUDE_CONFIG_DIR), `run/`. */
export function agentRuntimeDir(config: NoxConfig, agentId: string): string {
  return path.join(config.registryDir, '.runtime', 'agents', agentId);
}

/**
 * What the agent's process reaches the host through: its token file and the unix sockets of
 * its endpoints (the API, the model, each MCP service). Visible inside the agent's sandbox.
 */
export function agentRunDir(config: NoxConfig, agentId: string): string {
  return path.join(agentRuntimeDir(config, agentId), 'run');
}

export function buildAgentArgs(agent: AgentConfig, options: LaunchOptions): string[] {
  const args = ['-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose'];
  args.push(...(options.resume ? ['--resume', options.sessionId] : ['--session-id', options.sessionId]));
  if (agent.system_prompt) args.push(agent.replace_system_prompt ? '--system-prompt' : '--append-system-prompt', agent.system_prompt);
  const servers = { ...agent.mcp_servers, ...options.extraMcpServers };
  if (Object.keys(servers).length > 0) args.push('--mcp-config', JSON.stringify({ mcpServers: servers }), '--strict-mcp-config');
  args.push('--permission-prompt-tool', 'stdio');
  if (agent.model) args.push('--model', agent.model);
  if (options.fallbackModel && options.fallbackModel !== agent.model) args.push('--fallback-model', options.fallbackModel);
  for (const dir of agent.add_dirs) args.push('--add-dir', dir);
  if (agent.permission_mode !== 'default') args.push('--permission-mode', agent.permission_mode);
  // allowed_tools are NOT handed to the CLI: it would grant them silently. Nox grants them
  // when the CLI asks (can_use_tool), so every grant is decided, logged and evented by Nox
  // (and can go through approvals). Disallowed tools are refused by the CLI as well.
  if (agent.disallowed_tools.length > 0) args.push('--disallowedTools', agent.disallowed_tools.join(','));
  if (options.remainingBudgetUsd !== undefined) args.push('--max-budget-usd', String(Math.max(0, round6(options.remainingBudgetUsd))));
  return args;
}

export function buildAgentLaunch(config: NoxConfig, agent: AgentConfig, options: LaunchOptions): AgentLaunch {
  const configDir = agentConfigDir(config, agent.id);
  return {
    command: config.agent.command,
    args: [...config.agent.args, ...buildAgentArgs(agent, { fallbackModel: config.agent.fallback_model, ...options })],
    env: agentEnvironment({
      hostEnv: process.env,
      configEnv: config.agent.env,
      sandboxEnv: options.sandboxEnv,
      agentId: agent.id,
      configDir,
      apiUrl: options.apiUrl,
      tokenFile: options.tokenFile,
    }),
    cwd: agentWorkdir(config, agent),
    configDir,
  };
}

export function defaultApiUrl(config: NoxConfig): string {
  return config.agent.api_url ?? `http://127.0.0.1:${config.api.port || 3000}`;
}

function round6(n: number): number {
  return Math.round(n * 1e6) / 1e6;
}
