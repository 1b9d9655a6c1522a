import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { noxVersion } from '../../shared/runtime/version.js';
import { apiClientFromEnv } from './api-client.js';
import { registerNoxTools } from './tools.js';

/**
 * The Nox tools server: a stdio MCP server the agent's CLI starts from its --mcp-config
 * (mcp-entry.ts). stdout is the JSON-RPC channel, so nothing else may be printed there;
 * problems go to stderr, which the CLI keeps in its MCP logs.
 */
try {
  const api = apiClientFromEnv();
  const server = new McpServer({ name: 'nox', version: noxVersion() });
  registerNoxTools(server, api);
  await server.connect(new StdioServerTransport());
} catch (err) {
  process.stderr.write(`nox tools server: ${(err as Error).message}\n`);
  process.exit(1);
}
