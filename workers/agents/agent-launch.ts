import { mkdirSync } from 'node:fs';
import type { AgentConfig } from '../../shared/agents/agent-config.js';
import { signToken } from '../../shared/auth/tokens.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import type { Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { agentMcpConfig } from '../mcp/agent-mcp-config.js';
import { noxToolsServer } from '../tools-server/mcp-entry.js';
import { agentConfigDir, buildAgentLaunch, defaultApiUrl, type AgentLaunch } from './claude-cli/command-line.js';
import { sessionExists } from './session-files.js';

/**
 * Everything that goes into starting an agent's process, in one call: its token, its MCP
 * servers (the Nox tools server and the catalog's services), whether to resume its CLI
 * session, and the command line. The output is a launch spec — command, args, env, cwd and
 * the private CLAUDE_CONFIG_DIR — that process-runner.ts runs as it is, and that a wrapper
 * (an OS sandbox, say) can take and return changed without knowing how it was assembled.
 *
 * Side effects: under the registry's `.runtime/agents/<id>/`, the token file the tools
 * server and the MCP endpoint clients read, and the working and config folders; and the
 * agent's MCP endpoints, which this host serves until `mcp.close()` (call it once the
 * process has exited).
 */
export interface PreparedLaunch {
  spec: AgentLaunch;
  /** `--resume`: the CLI has written this session before (else `--session-id`) */
  resume: boolean;
  /** the agent's MCP endpoints (unix sockets this host serves): close them when the process stops */
  mcp: { close(): Promise<void> };
}

export interface LaunchRequest {
  hostId: string;
  sessionId: string;
  /** what is left of the agent's budget (its --max-budget-usd); undefined without one */
  remainingBudgetUsd?: number;
  /** the agent's token epoch now (shared/auth/revocation.ts agentTokenEpoch); default 0 */
  tokenEpoch?: number;
  logger: Logger;
}

/**
 * The agent's own token (role agent), for the API and the Nox tools server; a new one at every
 * start. It carries the agent's current token epoch: stopping or deleting the agent raises
 * the epoch, and every token minted before dies (shared/auth/revocation.ts).
 */
export function mintAgentToken(config: NoxConfig, agentId: string, epoch = 0): string {
  const secret = config.auth.jwt_secret;
  if (!secret) throw new Error('auth.jwt_secret is not configured; agents need their own scoped token');
  return signToken(secret, { sub: agentId, role: 'agent', agentId }, { expiresIn: config.agent.token_ttl, epoch });
}

export function prepareAgentLaunch(ctx: NoxContext, agent: AgentConfig, request: LaunchRequest): PreparedLaunch {
  const { config } = ctx;
  const token = mintAgentToken(config, agent.id, request.tokenEpoch);
  const apiUrl = defaultApiUrl(config);
  // Decided from the CLI's own session file, not from whether Nox started it before: a
  // crash before the first turn leaves no session, and --resume of it would fail.
  const resume = sessionExists(agentConfigDir(config, agent.id), request.sessionId);
  // every agent gets the Nox tools server (its own token) in its --mcp-config, plus an
  // endpoint per MCP service enabled for it in the catalog (refusals are logged, never fatal)
  const mcp = agentMcpConfig(ctx, agent.id, request.hostId);
  for (const refused of mcp.refused) request.logger.warn('MCP service not given to the agent', { ...refused });
  try {
    const extraMcpServers = { ...mcp.servers, ...noxToolsServer(config, agent.id, token, apiUrl) };
    const spec = buildAgentLaunch(config, agent, { sessionId: request.sessionId, resume, token, apiUrl, remainingBudgetUsd: request.remainingBudgetUsd, extraMcpServers });
    mkdirSync(spec.cwd, { recursive: true });
    mkdirSync(spec.configDir, { recursive: true });
    return { spec, resume, mcp };
  } catch (err) {
    void mcp.close(); // no process will use them
    throw err;
  }
}
