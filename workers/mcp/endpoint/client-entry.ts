import { selfCommand } from '../../../shared/runtime/self-command.js';
import { CLIENT_ENV } from './client-env.js';

/**
 * The `--mcp-config` entry of one MCP service for an agent: the endpoint client
 * (client-main.ts), started by the CLI like the Nox tools server is. Its env holds the
 * socket's path and the token file's path, nothing more: no engine address, no secret,
 * nothing a `ps` or the agent's own files could give away.
 */
// a type alias, not an interface, so that it fits the CLI's Record<string, unknown> entries
export type EndpointClientEntry = {
  type: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
};

export function endpointClientEntry(socketPath: string, tokenFile: string): EndpointClientEntry {
  const cmd = selfCommand('workers/mcp/endpoint/client-main');
  return { type: 'stdio', command: cmd.command, args: cmd.args, env: { [CLIENT_ENV.socket]: socketPath, [CLIENT_ENV.tokenFile]: tokenFile } };
}
