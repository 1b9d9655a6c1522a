import path from 'node:path';
import { agentRunDir } from '../agents/claude-cli/command-line.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { selfCommand } from '../../shared/runtime/self-command.js';

/** The server name agents see: their tools are `mcp__nox__<tool>`. */
export const NOX_TOOLS_SERVER = 'nox';

/**
 * The agent's token file, in its run folder (what its sandbox sees of the host): read by
 * the Nox tools server and by the MCP endpoint clients, which send it to the host.
 */
export function agentTokenFile(config: NoxConfig, agentId: string): string {
  return path.join(agentRunDir(config, agentId), 'nox-token');
}

/**
 * The `--mcp-config` entry of the Nox tools server for one agent. The CLI starts stdio
 * servers with an environment of their own, so what the server needs is in `env`; the token
 * is read from the agent's 0600 token file (agent-launch.ts writes it in the agent's run
 * folder, which its sandbox shows) rather than put on the command line, where `ps` would
 * show it. `apiUrl` is NOX_API_URL as the agent sees it (inside its sandbox: the forward).
 * (selfCommand gives tsx's loader as an absolute URL: the CLI starts MCP servers in the
 * agent's workdir, where there is no node_modules.)
 */
export function noxToolsServer(agentId: string, tokenFile: string, apiUrl: string): Record<string, Record<string, unknown>> {
  const cmd = selfCommand('workers/tools-server/main');
  return {
    [NOX_TOOLS_SERVER]: { type: 'stdio', command: cmd.command, args: cmd.args, env: { NOX_API_URL: apiUrl, NOX_AGENT_ID: agentId, NOX_AGENT_TOKEN_FILE: tokenFile } },
  };
}
