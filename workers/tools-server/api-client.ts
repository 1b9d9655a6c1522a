import { readFileSync } from 'node:fs';
import { ApiCallError } from '../../shared/errors/api-call-error.js';

/**
 * The REST client of the Nox tools server. It calls the API as the agent itself: the token
 * is the agent's own (role `agent`), so the API lets it act only as that agent.
 * Environment (set by the agent's launch, workers/agents/claude-cli/command-line.ts and
 * workers/tools-server/mcp-entry.ts): NOX_API_URL, NOX_AGENT_ID, and NOX_AGENT_TOKEN or
 * NOX_AGENT_TOKEN_FILE (a 0600 file, so the token is not on any command line).
 */
export interface ApiClient {
  readonly agentId: string;
  call(method: string, path: string, body?: unknown): Promise<unknown>;
}

export function apiClientFromEnv(env: NodeJS.ProcessEnv = process.env): ApiClient {
  const url = env.NOX_API_URL;
  const agentId = env.NOX_AGENT_ID;
  const token = env.NOX_AGENT_TOKEN || (env.NOX_AGENT_TOKEN_FILE ? readFileSync(env.NOX_AGENT_TOKEN_FILE, 'utf8').trim() : '');
  if (!url || !agentId || !token) throw new Error('the Nox tools server needs NOX_API_URL, NOX_AGENT_ID and NOX_AGENT_TOKEN (or NOX_AGENT_TOKEN_FILE)');
  const base = url.replace(/\/+$/, '');
  return {
    agentId,
    async call(method, path, body) {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(30_000),
      });
      const text = await res.text();
      if (!res.ok) throw new ApiCallError(res.status, text);
      return text ? JSON.parse(text) : {};
    },
  };
}
