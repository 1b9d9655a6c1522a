import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { selfCommand } from '../../shared/runtime/self-command.js';
import { projectRoot } from '../../shared/runtime/version.js';

/** The server name agents see: their tools are `mcp__nox__<tool>`. */
export const NOX_TOOLS_SERVER = 'nox';

/**
 * The `--mcp-config` entry of the Nox tools server for one agent. The CLI starts stdio
 * servers with an environment of their own, so what the server needs is in `env`; the token
 * is read from the agent's 0600 token file (agent-launch.ts writes it in the agent's run
 * folder, which its sandbox shows) rather than put on the command line, where `ps` would
 * show it. `apiUrl` is NOX_API_URL as the agent sees it (inside its sandbox: the forward).
 */
export function noxToolsServer(agentId: string, tokenFile: string, apiUrl: string): Record<string, Record<string, unknown>> {
  const cmd = selfCommand('workers/tools-server/main');
  return {
    [NOX_TOOLS_SERVER]: { type: 'stdio', command: cmd.command, args: absoluteTsx(cmd.args), env: { NOX_API_URL: apiUrl, NOX_AGENT_ID: agentId, NOX_AGENT_TOKEN_FILE: tokenFile } },
  };
}

/**
 * From source, selfCommand gives `--import tsx`, which node resolves from the current
 * folder; the CLI starts MCP servers in the agent's working folder, where there is no
 * node_modules. Same fix as workers/mcp/bridge-command.ts (to be shared from
 * shared/runtime/self-command.ts): the loader's absolute URL.
 */
function absoluteTsx(args: string[]): string[] {
  const at = args.indexOf('--import');
  if (at === -1 || args[at + 1] !== 'tsx') return args;
  const require = createRequire(path.join(projectRoot(), 'package.json'));
  const manifestPath = require.resolve('tsx/package.json');
  const entry = (JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, unknown> }).exports?.['.'];
  const rel = typeof entry === 'string' ? entry : ((entry as { import?: string; default?: string } | undefined)?.import ?? (entry as { default?: string } | undefined)?.default);
  if (!rel) return args;
  const out = [...args];
  out[at + 1] = pathToFileURL(path.join(path.dirname(manifestPath), rel)).href;
  return out;
}
