import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { selfCommand } from '../../shared/runtime/self-command.js';
import { projectRoot } from '../../shared/runtime/version.js';
import type { McpRunSpecInput } from '../../shared/mcp/run-spec.js';

/**
 * The `--mcp-config` entry that makes an agent's CLI start the bridge for one service:
 * `{ type: 'stdio', command, args, env }`. The spec travels as JSON on the command line
 * (it holds no secrets: env values there are literals or `{ fromEnv }` names); secret
 * values travel in `env`, which the CLI gives the bridge's environment only.
 */
export interface BridgeServerEntry {
  type: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
}

export interface BridgeEntryOptions {
  spec: McpRunSpecInput;
  /** the engine; written into the entry so the bridge does not depend on the CLI's environment */
  dockerHost?: string;
  stopTimeoutS?: number;
  tmpfsMb?: number;
  /** values for the spec's `{ fromEnv }` references (secrets), and e.g. NOX_LOG_LEVEL */
  env?: Record<string, string>;
}

export function bridgeServerEntry(options: BridgeEntryOptions): BridgeServerEntry {
  const args = ['--spec', JSON.stringify(options.spec)];
  if (options.dockerHost) args.push('--docker-host', options.dockerHost);
  if (options.stopTimeoutS !== undefined) args.push('--stop-timeout-s', String(options.stopTimeoutS));
  if (options.tmpfsMb !== undefined) args.push('--tmpfs-mb', String(options.tmpfsMb));
  const cmd = selfCommand('workers/mcp/bridge-main', args);
  return { type: 'stdio', command: cmd.command, args: absoluteLoader(cmd.args), env: { ...options.env } };
}

/**
 * Run from source, selfCommand gives `--import tsx`, which node resolves from the current
 * folder — and the CLI starts MCP servers in the agent's working folder, where there is no
 * node_modules/tsx ("Cannot find package 'tsx'", the server shows `status: failed`). The
 * loader's absolute URL works from anywhere.
 */
function absoluteLoader(args: string[]): string[] {
  const at = args.indexOf('--import');
  if (at === -1 || args[at + 1] !== 'tsx') return args;
  const out = [...args];
  out[at + 1] = tsxLoaderUrl();
  return out;
}

/** tsx's `--import` entry (its package.json `exports["."]`), as a file URL. */
function tsxLoaderUrl(): string {
  // createRequire, not import.meta.resolve: under mocha, tsx runs this file as CommonJS.
  const require = createRequire(path.join(projectRoot(), 'package.json'));
  const manifestPath = require.resolve('tsx/package.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, unknown> };
  const entry = manifest.exports?.['.'];
  const rel = typeof entry === 'string' ? entry : ((entry as { import?: string; default?: string } | undefined)?.import ?? (entry as { default?: string } | undefined)?.default);
  if (!rel) return 'tsx';
  return pathToFileURL(path.join(path.dirname(manifestPath), rel)).href;
}
