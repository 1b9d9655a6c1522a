import path from 'node:path';
import { isWithheldFromAgents } from '../../../shared/agents/withheld-env.js';

/**
 * The environment of an agent's process, as an allowlist (issue 14, item 2), sandbox on or
 * off: an agent runs a model's decisions, so it gets what the CLI needs to reach its model
 * and Nox's API as itself, and nothing of the worker's own environment — never REDIS_URL,
 * DOCKER_HOST, a NOX_*SECRET*, the Redis password, or whatever else the worker was started
 * with. The agent's token is not in it either: it is in a 0600 file (NOX_AGENT_TOKEN_FILE).
 *
 * Order: the host's values of the allowed names, then `agent.env` (an operator's choice,
 * validated at boot against isWithheldFromAgents), then what the sandbox rewrites (the model URL,
 * its proxy), then Nox's own (identity, config dir, HOME) — which nothing overrides.
 */

/** A fixed PATH: the system's folders, never the worker's (a PATH can point into a home folder). */
export const SAFE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * Passed from the host when set. The model credentials and provider switches the Claude CLI
 * documents (code.claude.com/docs/en/env-vars, "Bedrock, Vertex and proxies"), its offline
 * and timeout switches (../shared/claude-cli.md), and the locale.
 */
export const PASSED_FROM_HOST: readonly string[] = [
  // locale
  'LANG',
  'LC_ALL',
  'TZ',
  // Anthropic API
  'ANTHROPIC_API_KEY',
  'ANTHROPIC_AUTH_TOKEN',
  'ANTHROPIC_BASE_URL',
  'ANTHROPIC_MODEL',
  'ANTHROPIC_SMALL_FAST_MODEL',
  'ANTHROPIC_CUSTOM_HEADERS',
  'CLAUDE_CODE_OAUTH_TOKEN',
  // Amazon Bedrock
  'CLAUDE_CODE_USE_BEDROCK',
  'CLAUDE_CODE_SKIP_BEDROCK_AUTH',
  'ANTHROPIC_BEDROCK_BASE_URL',
  'AWS_REGION',
  'AWS_ACCESS_KEY_ID',
  'AWS_SECRET_ACCESS_KEY',
  'AWS_SESSION_TOKEN',
  'AWS_BEARER_TOKEN_BEDROCK',
  // Google Vertex AI
  'CLAUDE_CODE_USE_VERTEX',
  'CLAUDE_CODE_SKIP_VERTEX_AUTH',
  'ANTHROPIC_VERTEX_BASE_URL',
  'ANTHROPIC_VERTEX_PROJECT_ID',
  'CLOUD_ML_REGION',
  'GOOGLE_APPLICATION_CREDENTIALS',
  // the CLI's traffic and timeouts
  'CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC',
  'DISABLE_AUTOUPDATER',
  'DISABLE_TELEMETRY',
  'DISABLE_ERROR_REPORTING',
  'API_TIMEOUT_MS',
  'CLAUDE_CODE_MAX_RETRIES',
  'MCP_TIMEOUT',
  'MCP_TOOL_TIMEOUT',
];

export interface AgentEnvInput {
  /** the worker's environment (only PASSED_FROM_HOST is read from it) */
  hostEnv: NodeJS.ProcessEnv;
  /** `agent.env` */
  configEnv: Record<string, string>;
  /** set by the sandbox: the model URL it rewrote, its proxy variables */
  sandboxEnv?: Record<string, string>;
  agentId: string;
  configDir: string;
  apiUrl: string;
  tokenFile: string;
}

export function agentEnvironment(input: AgentEnvInput): Record<string, string> {
  const env: Record<string, string> = { PATH: withNode(SAFE_PATH) };
  for (const name of PASSED_FROM_HOST) {
    const value = input.hostEnv[name];
    if (value !== undefined && value !== '') env[name] = value;
  }
  for (const [name, value] of Object.entries(input.configEnv)) if (!isWithheldFromAgents(name)) env[name] = value;
  Object.assign(env, input.sandboxEnv);
  return {
    ...env,
    // its own HOME: the CLI and the tools it runs keep their dotfiles with its config,
    // never in the worker's home folder
    HOME: input.configDir,
    CLAUDE_CONFIG_DIR: input.configDir,
    NOX_AGENT_ID: input.agentId,
    NOX_API_URL: input.apiUrl,
    NOX_AGENT_TOKEN_FILE: input.tokenFile,
  };
}

/** node's own folder on PATH too: the tools an agent runs may call `node` (the sandbox shows that folder). */
function withNode(pathList: string): string {
  const nodeDir = path.dirname(process.execPath);
  return pathList.split(':').includes(nodeDir) ? pathList : `${pathList}:${nodeDir}`;
}
