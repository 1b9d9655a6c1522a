import { selfCommand } from '../../shared/runtime/self-command.js';
import type { McpRunSpecInput } from '../../shared/mcp/run-spec.js';

/**
 * The `--mcp-config` entry that makes an agent's CLI start the bridge for one service:
 * `{ type: 'stdio', command, args, env }`. The spec travels as JSON on the command line
 * (it holds no secrets: env values there are literals or `{ fromEnv }` names); secret
 * values travel in `env`, which the CLI gives the bridge's environment only.
 */
// a type alias, not an interface, so that it fits the CLI's Record<string, unknown> entries
export type BridgeServerEntry = {
  type: 'stdio';
  command: string;
  args: string[];
  env: Record<string, string>;
};

export interface BridgeEntryOptions {
  spec: McpRunSpecInput;
  /** the engine; written into the entry so the bridge does not depend on the CLI's environment */
  dockerHost?: string;
  stopTimeoutS?: number;
  tmpfsMb?: number;
  /** values for the spec's `{ fromEnv }` references (secrets), and e.g. NOX_LOG_LEVEL */
  env?: Record<string, string>;
  /**
   * a 0600 JSON file holding the secret values instead of `env`: the CLI's --mcp-config
   * (which may sit on its command line, where `ps` shows it) then carries only the path
   */
  secretsFile?: string;
}

export function bridgeServerEntry(options: BridgeEntryOptions): BridgeServerEntry {
  const args = ['--spec', JSON.stringify(options.spec)];
  if (options.dockerHost) args.push('--docker-host', options.dockerHost);
  if (options.stopTimeoutS !== undefined) args.push('--stop-timeout-s', String(options.stopTimeoutS));
  if (options.tmpfsMb !== undefined) args.push('--tmpfs-mb', String(options.tmpfsMb));
  if (options.secretsFile) args.push('--secrets-file', options.secretsFile);
  const cmd = selfCommand('workers/mcp/bridge-main', args);
  return { type: 'stdio', command: cmd.command, args: cmd.args, env: { ...options.env } };
}
