import type { NoxConfig } from '../../shared/config/schema.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { isNoxError } from '../../shared/errors/nox-error.js';
import { resolveService, secretEnvName, type Catalog } from '../../shared/mcp/catalog.js';
import type { McpRunSpecInput } from '../../shared/mcp/run-spec.js';

/**
 * Which MCP services one agent gets, from the catalog: each service enabled for it becomes
 * a run spec; one that cannot be given — not in the catalog, not allowed for this agent, a
 * secret missing — is left out and listed in `refused` with a stable code, so the agent
 * still gets the rest and the refusal can be reported. Pure: the caller reads the catalog,
 * looks secrets up, and the worker host serves the services (endpoint/agent-endpoints.ts).
 * Secret values are only checked for here; they never leave the host's process.
 */
export interface AgentMcpInput {
  catalog: Catalog;
  /** services enabled for this agent, by catalog name */
  enabled: readonly string[];
  agentId: string;
  hostId: string;
  /** the `[mcp]` config section: default limits */
  mcp: NoxConfig['mcp'];
  /** looks a secret up by name (the secret store); undefined when it has none */
  secret: (name: string) => string | undefined;
}

export interface AgentService {
  /** catalog name (labels, socket file) */
  service: string;
  /** the name the CLI knows it by (`mcp__<server>__<tool>`) */
  server: string;
}

export interface GivenService extends AgentService {
  spec: McpRunSpecInput;
  /** secrets its env refers to (`{ fromEnv: NOX_SECRET_<NAME> }`) */
  secrets: string[];
}

export interface RefusedService {
  service: string;
  code: string;
  reason: string;
}

export interface AgentMcpServices {
  services: GivenService[];
  refused: RefusedService[];
}

/** CLI server names allow `[A-Za-z0-9_-]`; the model sees tools as `mcp__<server>__<tool>`. */
export function mcpServerName(service: string): string {
  return service.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}

export function agentMcpServices(input: AgentMcpInput): AgentMcpServices {
  const services: GivenService[] = [];
  const refused: RefusedService[] = [];
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
    const missing = resolved.secrets.filter((name) => input.secret(name) === undefined);
    if (missing.length > 0) {
      refused.push({ service, code: ERROR_CODE.mcpSecretMissing, reason: `secret(s) not set: ${missing.join(', ')}` });
      continue;
    }
    services.push({ service, server: mcpServerName(service), spec: resolved.spec, secrets: resolved.secrets });
  }
  return { services, refused };
}

/** `{ NOX_SECRET_<NAME>: value }` for each secret a service names: what its container's env is resolved against. */
export function secretSourceEnv(secrets: readonly string[], secret: (name: string) => string | undefined): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of secrets) {
    const value = secret(name);
    if (value !== undefined) env[secretEnvName(name)] = value;
  }
  return env;
}
