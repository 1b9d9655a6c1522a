import { chmodSync, rmSync, statSync, unlinkSync } from 'node:fs';
import net, { type Socket } from 'node:net';
import type { VerifiedToken } from '../../../shared/auth/tokens.js';
import { ERROR_CODE } from '../../../shared/errors/codes.js';
import { McpEndpointBusyError, McpEndpointError } from '../../../shared/errors/mcp-errors.js';
import { isNoxError } from '../../../shared/errors/nox-error.js';
import { errorFields, type Logger } from '../../../shared/logger.js';
import type { ContainerSession } from '../container-session.js';
import { authorizeAgentToken } from './authorize.js';
import { readFirstLine } from './first-line.js';

/**
 * One agent's endpoint for one MCP service: a unix socket (mode 0600, in the agent's run
 * folder) that the worker host serves while the agent runs. Each connection is one session:
 * the first line must be the agent's token (authorize.ts); only then does `serve` create the
 * container. A connection that is refused — no token, a bad or foreign token, the service no
 * longer given to the agent, too many sessions — gets one JSON-RPC error line (id null: no
 * request was read) and is closed, and no container is made.
 *
 * Opening is synchronous (a unix socket is bound before `listen` returns), so the endpoint
 * exists before the agent's process starts; an error throws McpEndpointError.
 */
export interface EndpointOptions {
  socketPath: string;
  agentId: string;
  service: string;
  /** who a token speaks for (the host's agent token source); throws a 401 NoxError */
  verifyToken(token: string): VerifiedToken;
  /** the agent's token epoch now: tokens below it are revoked (none given: not checked) */
  currentEpoch?: () => Promise<number>;
  /** `mcp.max_sessions_per_service` */
  maxSessions: number;
  logger: Logger;
  /**
   * Starts the container session for an authorised connection whose token line has been
   * read. Throws a NoxError (said to the client) when the service cannot be given now.
   */
  serve(connection: Socket): ContainerSession;
}

export interface Endpoint {
  readonly socketPath: string;
  /** stops listening, removes the socket file, ends every session; resolves once their containers are gone */
  close(): Promise<void>;
}

/** sun_path holds 108 bytes with the NUL; libuv silently cuts a longer path (seen: it binds the cut name). */
const MAX_SOCKET_PATH_BYTES = 107;
/** a token is ~300 bytes; anything this long without a newline is not one */
const MAX_TOKEN_LINE_BYTES = 16 * 1024;
/** the client sends its token as soon as it connects */
const TOKEN_TIMEOUT_MS = 10_000;
/** connections still to show a token, at once */
const MAX_HANDSHAKES = 16;

export function openEndpoint(options: EndpointOptions): Endpoint {
  const { socketPath, agentId, service } = options;
  const log = options.logger.child({ component: 'mcp-endpoint', agentId, mcpService: service });
  /** every open connection, with its session once it has one */
  const connections = new Map<Socket, ContainerSession | undefined>();
  const handled = new Set<Promise<void>>();
  let closed = false;

  const refuse = (conn: Socket, err: unknown): void => {
    log.warn('MCP endpoint connection refused', { code: isNoxError(err) ? err.code : ERROR_CODE.internal, reason: (err as Error).message });
    if (!conn.destroyed) conn.end(jsonRpcErrorLine(err));
  };

  const count = (inSession: boolean): number => [...connections.values()].filter((s) => (s !== undefined) === inSession).length;

  const handle = async (conn: Socket): Promise<void> => {
    // Connections that have not shown a token are bounded apart, so they cannot take the
    // agent's own session slots.
    if (count(false) >= MAX_HANDSHAKES) return refuse(conn, new McpEndpointBusyError(service, MAX_HANDSHAKES, 'connections waiting for a token'));
    connections.set(conn, undefined);
    try {
      const token = await readFirstLine(conn, { maxBytes: MAX_TOKEN_LINE_BYTES, timeoutMs: TOKEN_TIMEOUT_MS });
      if (closed) return void conn.destroy();
      let session: ContainerSession;
      try {
        await authorizeAgentToken(options.verifyToken, token, agentId, options.currentEpoch);
        if (count(true) >= options.maxSessions) throw new McpEndpointBusyError(service, options.maxSessions);
        session = options.serve(conn);
      } catch (err) {
        return refuse(conn, err);
      }
      connections.set(conn, session);
      conn.once('close', () => void session.stop('connection closed'));
      const startError = await session.started.then(() => undefined, (err: unknown) => err);
      await session.done;
      // A session that could not start tells the agent why (image missing, engine down...).
      if (startError !== undefined && !conn.destroyed) conn.write(jsonRpcErrorLine(startError));
      conn.end();
    } finally {
      connections.delete(conn);
    }
  };

  const server = net.createServer({ allowHalfOpen: true }, (conn) => {
    conn.on('error', (err) => log.debug('MCP endpoint connection error', errorFields(err)));
    const p = handle(conn).catch((err: unknown) => {
      log.error('MCP endpoint connection failed', errorFields(err));
      conn.destroy();
    });
    handled.add(p);
    void p.finally(() => handled.delete(p));
  });
  server.on('error', (err) => log.warn('MCP endpoint socket error', { socketPath, ...errorFields(err) }));
  const inode = listenOn(server, socketPath);
  log.debug('MCP endpoint open', { socketPath });

  return {
    socketPath,
    async close() {
      if (closed) return;
      closed = true;
      // First and synchronously: a new endpoint for this agent may be bound at this path
      // right after, and must not lose its socket file to us later.
      removeIfOurs(socketPath, inode);
      server.close();
      const sessions: ContainerSession[] = [];
      for (const [conn, session] of connections) {
        if (session) sessions.push(session);
        else conn.destroy(); // still in the handshake: no container yet
      }
      await Promise.allSettled(sessions.map((s) => s.stop('endpoint closed')));
      await Promise.allSettled([...handled]);
    },
  };
}

/** Binds the socket (removing a stale file of an earlier run), mode 0600; returns its inode. */
function listenOn(server: net.Server, socketPath: string): number {
  if (Buffer.byteLength(socketPath) > MAX_SOCKET_PATH_BYTES) {
    throw new McpEndpointError(socketPath, `the path is longer than ${MAX_SOCKET_PATH_BYTES} bytes (a unix socket's limit): move the registry to a shorter path`);
  }
  // A host that crashed or restarted leaves its socket files behind; listen would fail on them.
  rmSync(socketPath, { force: true });
  server.listen(socketPath);
  try {
    const st = statSync(socketPath);
    if (!st.isSocket()) throw new Error('not a socket after listen');
    chmodSync(socketPath, 0o600);
    return st.ino;
  } catch (err) {
    server.close();
    throw new McpEndpointError(socketPath, (err as Error).message, err);
  }
}

function removeIfOurs(socketPath: string, inode: number): void {
  try {
    if (statSync(socketPath).ino === inode) unlinkSync(socketPath);
  } catch {
    // already gone
  }
}

/** The one line a refused or failed connection gets: a JSON-RPC error with id null, the Nox code in `data`. */
export function jsonRpcErrorLine(err: unknown): string {
  const code = isNoxError(err) ? err.code : ERROR_CODE.internal;
  const message = err instanceof Error ? err.message : String(err);
  return `${JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32001, message: `${code}: ${message}`, data: { code } } })}\n`;
}
