import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import path from 'node:path';
import type { VerifiedToken } from '../../../shared/auth/tokens.js';
import type { NoxConfig } from '../../../shared/config/schema.js';
import { signingKeySource } from '../../host-credential/agent-token-source.js';
import { isNoxError } from '../../../shared/errors/nox-error.js';
import { ERROR_CODE } from '../../../shared/errors/codes.js';
import type { Logger } from '../../../shared/logger.js';
import type { Engine } from '../../../shared/mcp/engine.js';
import { runSpecSchema, type McpRunSpecInput } from '../../../shared/mcp/run-spec.js';
import type { NoxContext } from '../../../shared/runtime/context.js';
import type { AgentService, RefusedService } from '../agent-mcp-servers.js';
import { startContainerSession } from '../container-session.js';
import { processIdentity } from '../engine/process-identity.js';
import { endpointClientEntry, type EndpointClientEntry } from './client-entry.js';
import { openEndpoint, type Endpoint } from './endpoint-server.js';

/**
 * The worker host's MCP endpoints, for all its agents: when an agent's process starts, one
 * unix socket per MCP service given to it (`<run folder>/mcp-<service>.sock`), each served
 * here (endpoint-server.ts) with a container session per connection; when the process
 * stops, they close and their containers go. The agent's --mcp-config gets one endpoint
 * client entry per socket (client-entry.ts), and nothing of the engine or the secrets.
 *
 * Sessions are tracked by id (the containers' `nox.session` label), so the host's reaper can
 * tell a container of an open session from one whose session is over (`sessionLive`).
 */
export interface OpenedEndpoints {
  servers: Record<string, EndpointClientEntry>;
  refused: RefusedService[];
  /** closes the sockets (at once) and ends their sessions; resolves once their containers are gone */
  close(): Promise<void>;
}

/** What a session runs: the service as the catalog gives it to the agent NOW, and its secret values. */
export interface ResolvedSession {
  spec: McpRunSpecInput;
  /** `{ NOX_SECRET_<NAME>: value }` for the spec's `{ fromEnv }` references, and nothing else */
  sourceEnv: Record<string, string>;
}

export interface EndpointHostOptions {
  config: NoxConfig;
  engine: Engine;
  logger: Logger;
  /** the agent's run folder (its sockets go there) and its token file, on this host */
  runDir(agentId: string): string;
  tokenFile(agentId: string): string;
  /** who a token shown for the agent speaks for; default: verified with `auth.jwt_secret` (workers/host-credential/agent-token-source.ts) */
  verifyToken?(agentId: string, token: string): VerifiedToken;
  /** the agent's token epoch (shared/auth/revocation.ts): tokens minted before its last stop are refused */
  tokenEpoch?(agentId: string): Promise<number>;
  /** checked at every connection: throws a NoxError when the service is no longer enabled, allowed or complete */
  resolve(agentId: string, service: string): ResolvedSession;
}

export interface McpEndpointHost {
  /** opens the agent's endpoints (closing those it had open): one per service */
  open(agentId: string, services: readonly AgentService[]): OpenedEndpoints;
  sessionLive(session: string): boolean;
  /** closes every agent's endpoints (host shutdown) */
  close(): Promise<void>;
}

/** the socket file of one service in an agent's run folder */
const SOCKET_FILE = /^mcp-.+\.sock$/;

export function createEndpointHost(options: EndpointHostOptions): McpEndpointHost {
  const { config, engine } = options;
  const verify = options.verifyToken ?? signingKeySource(config).verify;
  const logger = options.logger.child({ component: 'mcp-endpoints' });
  const owner = processIdentity();
  const live = new Set<string>();
  const byAgent = new Map<string, { endpoints: Endpoint[]; close(): Promise<void> }>();
  /** sets being closed: host shutdown waits for their containers too */
  const closing = new Set<Promise<void>>();

  const serve = (agentId: string, service: string) => (connection: Socket) => {
    const resolved = options.resolve(agentId, service);
    const session = randomBytes(8).toString('hex');
    // Live before the container exists, so the reaper never takes a container being made.
    live.add(session);
    const running = startContainerSession({
      engine,
      spec: runSpecSchema.parse(resolved.spec),
      owner: { process: owner, session },
      logger,
      input: connection,
      output: connection,
      sourceEnv: resolved.sourceEnv,
      stopTimeoutS: config.mcp.stop_timeout_s,
      tmpfsMb: config.mcp.tmpfs_mb,
    });
    void running.done.then(() => live.delete(session));
    return running;
  };

  const open = (agentId: string, services: readonly AgentService[]): OpenedEndpoints => {
    void byAgent.get(agentId)?.close();
    const dir = options.runDir(agentId);
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    chmodSync(dir, 0o700);
    // This host is about to serve the agent: socket files of an earlier run (a crashed or
    // restarted host, an adopted agent, a service since disabled) are dead ends.
    for (const name of readdirSync(dir)) if (SOCKET_FILE.test(name)) rmSync(path.join(dir, name), { force: true });
    const tokenFile = options.tokenFile(agentId);
    const servers: Record<string, EndpointClientEntry> = {};
    const refused: RefusedService[] = [];
    const endpoints: Endpoint[] = [];
    for (const { service, server } of services) {
      try {
        const endpoint = openEndpoint({
          socketPath: path.join(dir, `mcp-${service}.sock`),
          agentId,
          service,
          verifyToken: (token) => verify(agentId, token),
          currentEpoch: options.tokenEpoch ? () => options.tokenEpoch!(agentId) : undefined,
          maxSessions: config.mcp.max_sessions_per_service,
          logger,
          serve: serve(agentId, service),
        });
        endpoints.push(endpoint);
        servers[server] = endpointClientEntry(endpoint.socketPath, tokenFile);
      } catch (err) {
        refused.push({ service, code: isNoxError(err) ? err.code : ERROR_CODE.mcpEndpointFailed, reason: (err as Error).message });
      }
    }
    let closed: Promise<void> | undefined;
    const set = {
      endpoints,
      close: (): Promise<void> => {
        if (closed) return closed;
        if (byAgent.get(agentId) === set) byAgent.delete(agentId);
        // each endpoint's close removes its socket file before its first await
        const done = Promise.allSettled(endpoints.map((e) => e.close())).then(() => undefined);
        closed = done;
        closing.add(done);
        void done.then(() => closing.delete(done));
        return done;
      },
    };
    byAgent.set(agentId, set);
    return { servers, refused, close: set.close };
  };

  return {
    open,
    sessionLive: (session) => live.has(session),
    async close() {
      for (const set of [...byAgent.values()]) void set.close();
      await Promise.allSettled([...closing]);
    },
  };
}

const perContext = new WeakMap<NoxContext, McpEndpointHost>();

/**
 * The endpoint host of a worker host's context, for the agents runtime to find when it
 * starts an agent (agent-mcp-config.ts): registered by startHostMcp once the engine answers
 * (the returned function takes it back); absent otherwise, and then agents get no MCP
 * services on this host. Keyed by the context as mcpCatalogFor is, so the agents runtime
 * needs no new wiring.
 */
export function registerMcpEndpointHost(ctx: NoxContext, host: McpEndpointHost): () => void {
  perContext.set(ctx, host);
  return () => {
    if (perContext.get(ctx) === host) perContext.delete(ctx);
  };
}

export function mcpEndpointHostFor(ctx: NoxContext): McpEndpointHost | undefined {
  return perContext.get(ctx);
}
