import { ERROR_CODE, isErrorCode } from '../../shared/errors/codes.js';
import { McpServiceNotAllowedError } from '../../shared/errors/mcp-errors.js';
import { isNoxError, NoxError } from '../../shared/errors/nox-error.js';
import { enabledServices, secretEnvName, type Catalog } from '../../shared/mcp/catalog.js';
import { mcpCatalogFor, type McpCatalogStore } from '../../shared/mcp/catalog-store.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { agentMcpServices, secretSourceEnv, type AgentMcpServices } from './agent-mcp-servers.js';
import { mcpEndpointHostFor, type OpenedEndpoints, type ResolvedSession } from './endpoint/agent-endpoints.js';

/**
 * The agents runtime's one call, when an agent's process starts: its MCP services from the
 * catalog as it is now (enabled for this agent and allowed by `agents`), each opened as an
 * endpoint this worker host serves, and the `--mcp-config` entries for them. Close them when
 * the process stops:
 *
 *   const mcp = agentMcpConfig(ctx, agentId, hostId);
 *   extraMcpServers = { ...mcp.servers, ...noxToolsServer(...) };   // Nox's own server wins a name clash
 *   for (const r of mcp.refused) logger.warn('MCP service refused', r);
 *   ...when the process has exited: await mcp.close();
 *
 * A host without a container engine gives none (each refused, ERROR_CODE.engineUnavailable).
 * The catalog is read again at every connection (resolveAgentSession): a service disabled
 * since the start is refused then, and a changed entry applies to the next session.
 */
export function agentMcpConfig(ctx: NoxContext, agentId: string, hostId: string): OpenedEndpoints {
  const { services, refused } = agentMcpServicesNow(ctx, mcpCatalogFor(ctx), agentId, hostId);
  const host = mcpEndpointHostFor(ctx);
  if (!host) {
    const off = services.map((s) => ({ service: s.service, code: ERROR_CODE.engineUnavailable, reason: 'no container engine on this host: MCP services are off here' }));
    return { servers: {}, refused: [...refused, ...off], close: async () => undefined };
  }
  const opened = host.open(agentId, services);
  return { ...opened, refused: [...refused, ...opened.refused] };
}

/**
 * The agent's services as the catalog gives them now. Secrets are looked up in the worker
 * host's environment as `NOX_SECRET_<NAME>` (secretEnvName), then in the secrets file's
 * `[mcp.secrets]`; a service whose secret is not set is refused (`ERROR_CODE.mcpSecretMissing`),
 * never started with an empty value. A catalog that cannot be read refuses every service
 * (the agent still starts).
 */
export function agentMcpServicesNow(ctx: NoxContext, catalog: McpCatalogStore, agentId: string, hostId: string, env: NodeJS.ProcessEnv = process.env): AgentMcpServices {
  let current: Catalog;
  try {
    current = catalog.read().catalog;
  } catch (err) {
    const code = isNoxError(err) ? err.code : ERROR_CODE.mcpCatalogUnreadable;
    return { services: [], refused: [{ service: '*', code, reason: `mcp-services.toml cannot be read: ${(err as Error).message}` }] };
  }
  return agentMcpServices({ catalog: current, enabled: enabledServices(current, agentId), agentId, hostId, mcp: ctx.config.mcp, secret: hostSecret(ctx, env) });
}

/**
 * One session of a service for an agent, checked at its connection: the service must still
 * be enabled, allowed and complete. Throws the refusal as a NoxError (said to the agent).
 */
export function resolveAgentSession(ctx: NoxContext, catalog: McpCatalogStore, agentId: string, hostId: string, service: string, env: NodeJS.ProcessEnv = process.env): ResolvedSession {
  const now = agentMcpServicesNow(ctx, catalog, agentId, hostId, env);
  const given = now.services.find((s) => s.service === service);
  if (given) return { spec: given.spec, sourceEnv: secretSourceEnv(given.secrets, hostSecret(ctx, env)) };
  const refusal = now.refused.find((r) => r.service === service || r.service === '*');
  if (!refusal) throw new McpServiceNotAllowedError(service, agentId); // no longer enabled for it
  throw new NoxError(isErrorCode(refusal.code) ? refusal.code : ERROR_CODE.mcpServiceNotAllowed, refusal.reason);
}

function hostSecret(ctx: NoxContext, env: NodeJS.ProcessEnv): (name: string) => string | undefined {
  return (name) => env[secretEnvName(name)] ?? ctx.config.mcp.secrets[name];
}
