import path from 'node:path';
import { agentConfigDir } from '../agents/claude-cli/command-line.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { isNoxError } from '../../shared/errors/nox-error.js';
import { enabledServices, type Catalog } from '../../shared/mcp/catalog.js';
import type { McpCatalogStore } from '../../shared/mcp/catalog-store.js';
import { secretEnvName } from '../../shared/mcp/catalog.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { agentMcpServers, type AgentMcpServers } from './agent-mcp-servers.js';

/**
 * The agents runtime's one call: the MCP service entries of an agent's `--mcp-config`,
 * from the catalog as it is now (enabled for this agent and allowed by `agents`). Merge
 * `servers` into the CLI's extra MCP servers when the agent's process starts:
 *
 *   const mcp = agentMcpConfig(ctx, mcpCatalogFor(ctx), agentId, hostId);
 *   extraMcpServers = { ...mcp.servers, ...noxToolsServer(...) };   // Nox's own server wins a name clash
 *   for (const r of mcp.refused) logger.warn('MCP service refused', r);
 *
 * A change to the catalog applies at the agent's next start (the CLI reads --mcp-config
 * once). Secrets are looked up in the worker host's environment as `NOX_SECRET_<NAME>`
 * (secretEnvName), then in the secrets file's `[mcp.secrets]`; a service whose secret is not set is refused (`ERROR_CODE.mcpSecretMissing`),
 * never started with an empty value. Their values are written to 0600 files next to the
 * agent's CLAUDE_CONFIG_DIR (as its Nox token is), so --mcp-config carries paths only and
 * can stay on the command line.
 */
export function agentMcpConfig(
  ctx: NoxContext,
  catalog: McpCatalogStore,
  agentId: string,
  hostId: string,
  env: NodeJS.ProcessEnv = process.env,
  secretsDir: string = path.join(path.dirname(agentConfigDir(ctx.config, agentId)), 'mcp-secrets'),
): AgentMcpServers {
  let current: Catalog;
  try {
    current = catalog.read().catalog;
  } catch (err) {
    // A catalog file that does not parse must not keep the agent from starting: it starts
    // without MCP services, and the refusal says why.
    const code = isNoxError(err) ? err.code : ERROR_CODE.mcpCatalogUnreadable;
    return { servers: {}, refused: [{ service: '*', code, reason: `mcp-services.toml cannot be read: ${(err as Error).message}` }], hasSecrets: false };
  }
  return agentMcpServers({
    catalog: current,
    enabled: enabledServices(current, agentId),
    agentId,
    hostId,
    mcp: ctx.config.mcp,
    secret: (name) => env[secretEnvName(name)] ?? ctx.config.mcp.secrets[name],
    logLevel: ctx.config.log.level === 'silent' ? 'warn' : ctx.config.log.level,
    secretsDir,
  });
}
