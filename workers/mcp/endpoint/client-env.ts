/**
 * The environment of the endpoint client (client-main.ts), set by its --mcp-config entry
 * (client-entry.ts): these two paths, and nothing else of the host's.
 */
export const CLIENT_ENV = {
  /** the agent's unix socket for one MCP service, in its run folder */
  socket: 'NOX_MCP_SOCKET',
  /** the agent's token file (first line: its token), as the Nox tools server reads it */
  tokenFile: 'NOX_AGENT_TOKEN_FILE',
} as const;
