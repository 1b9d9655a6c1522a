import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NoxConfig } from '../../shared/config/schema.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { isNoxError } from '../../shared/errors/nox-error.js';
import { resolveService, secretEnvName, type Catalog } from '../../shared/mcp/catalog.js';
import { bridgeServerEntry, type BridgeServerEntry } from './bridge-command.js';

/**
 * The MCP services part of one agent's `--mcp-config`: one bridge entry per enabled
 * service (the agents layer merges these over the agent's own servers, e.g. as
 * LaunchOptions.extraMcpServers). A service that cannot be given — not in the catalog, not
 * allowed for this agent, a secret missing — is left out and listed in `refused` with a
 * stable code, so the agent still starts with the rest and the refusal can be reported.
 *
 * Secret values go in a 0600 file under `secretsDir` (the entry names the file), or, without
 * `secretsDir`, in the entries' `env` — then, when `hasSecrets` is true, the caller must pass
 * --mcp-config as a file readable by the agent's user alone, not as JSON on the command
 * line, where `ps` would show it.
 */
export interface AgentMcpInput {
  catalog: Catalog;
  /** services enabled for this agent, by catalog name */
  enabled: readonly string[];
  agentId: string;
  hostId: string;
  /** the `[mcp]` config section: default limits, engine, grace, tmpfs */
  mcp: NoxConfig['mcp'];
  /** looks a secret up by name (the secret store); undefined when it has none */
  secret: (name: string) => string | undefined;
  /** bridge log level (its stderr goes to the CLI's MCP logs). Default `info`. */
  logLevel?: string;
  /**
   * a folder only the agent's user can read: secret values are written there as 0600 files
   * (`mcp-<server>.secrets.json`) and the entries carry the path, not the values
   */
  secretsDir?: string;
}

export interface RefusedService {
  service: string;
  code: string;
  reason: string;
}

export interface AgentMcpServers {
  servers: Record<string, BridgeServerEntry>;
  refused: RefusedService[];
  hasSecrets: boolean;
}

/** CLI server names allow `[A-Za-z0-9_-]`; the model sees tools as `mcp__<server>__<tool>`. */
export function mcpServerName(service: string): string {
  return service.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

export function agentMcpServers(input: AgentMcpInput): AgentMcpServers {
  const servers: Record<string, BridgeServerEntry> = {};
  const refused: RefusedService[] = [];
  let hasSecrets = false;
  const dockerHost = input.mcp.docker_host ?? process.env.DOCKER_HOST;
  const defaults = { memoryMb: input.mcp.default_memory_mb, cpus: input.mcp.default_cpus, pids: input.mcp.default_pids };

  for (const service of [...new Set(input.enabled)].sort()) {
    const entry = input.catalog.services[service];
    if (!entry) {
      refused.push({ service, code: ERROR_CODE.mcpServiceNotFound, reason: `no MCP service ${service} in the catalog` });
      continue;
    }
    let resolved: ReturnType<typeof resolveService>;
    try {
      resolved = resolveService(service, entry, { agentId: input.agentId, hostId: input.hostId, defaults });
    } catch (err) {
      if (!isNoxError(err)) throw err;
      refused.push({ service, code: err.code, reason: err.message });
      continue;
    }
    const env: Record<string, string> = { NOX_LOG_LEVEL: input.logLevel ?? 'info' };
    const missing = resolved.secrets.filter((name) => {
      const value = input.secret(name);
      if (value !== undefined) env[secretEnvName(name)] = value;
      return value === undefined;
    });
    if (missing.length > 0) {
      refused.push({ service, code: ERROR_CODE.mcpSecretMissing, reason: `secret(s) not set: ${missing.join(', ')}` });
      continue;
    }
    let secretsFile: string | undefined;
    if (resolved.secrets.length > 0) {
      hasSecrets = true;
      if (input.secretsDir) {
        const values = Object.fromEntries(Object.entries(env).filter(([k]) => k !== 'NOX_LOG_LEVEL'));
        for (const k of Object.keys(values)) delete env[k];
        mkdirSync(input.secretsDir, { recursive: true, mode: 0o700 });
        secretsFile = path.join(input.secretsDir, `mcp-${mcpServerName(service)}.secrets.json`);
        writeFileSync(secretsFile, JSON.stringify(values), { mode: 0o600 });
        chmodSync(secretsFile, 0o600); // an existing file keeps its old mode otherwise
      }
    }
    servers[mcpServerName(service)] = bridgeServerEntry({
      spec: resolved.spec,
      dockerHost,
      stopTimeoutS: input.mcp.stop_timeout_s,
      tmpfsMb: input.mcp.tmpfs_mb,
      env,
      ...(secretsFile ? { secretsFile } : {}),
    });
  }
  return { servers, refused, hasSecrets };
}
