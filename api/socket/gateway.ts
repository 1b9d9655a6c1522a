import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { verifyToken } from '../../shared/auth/tokens.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { compareStreamIds, decodeEntry, STREAM_ID_PATTERN } from '../../shared/events/event-bus.js';
import type { StreamTailer } from '../../shared/events/stream-tailer.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { Principal } from '../../shared/types.js';
import { TOKEN_COOKIE } from '../http/auth.js';
import { mayJoin, roomsOf } from './rooms.js';

/**
 * Fans the event stream out to Socket.IO clients by room.
 *
 * Handshake: `auth: { token, lastEventId?, rooms? }` (or the login cookie). A client that
 * gives `lastEventId` first gets every event after it (from the stream, filtered to its
 * rooms), then live ones, with no gap and no duplicate: replay runs until it has caught up
 * with what the tailer has broadcast, and the socket joins its rooms in that same tick.
 * Every event carries its stream `id`; a client remembers the last one it saw.
 */
export interface Gateway {
  io: Server;
  close(): Promise<void>;
}

const REPLAY_BATCH = 1000;

function tokenFrom(socket: Socket): string | undefined {
  const auth = socket.handshake.auth as { token?: unknown };
  if (typeof auth.token === 'string' && auth.token) return auth.token;
  const cookie = socket.handshake.headers.cookie ?? '';
  const match = cookie.split(/;\s*/).find((c) => c.startsWith(`${TOKEN_COOKIE}=`));
  return match ? decodeURIComponent(match.slice(TOKEN_COOKIE.length + 1)) : undefined;
}

export function attachGateway(server: HttpServer, ctx: NoxContext, tailer: StreamTailer, secret: string): Gateway {
  const logger = ctx.logger.child({ component: 'socket-gateway' });
  const io = new Server(server, { path: '/socket.io', serveClient: false, cors: { origin: false } });

  io.use((socket, next) => {
    const token = tokenFrom(socket);
    if (!token) return next(Object.assign(new Error('unauthenticated'), { data: { code: ERROR_CODE.unauthenticated } }));
    try {
      socket.data.principal = verifyToken(secret, token).principal;
      next();
    } catch (err) {
      const code = (err as { code?: string }).code ?? ERROR_CODE.invalidToken;
      next(Object.assign(new Error(code === ERROR_CODE.tokenExpired ? 'token expired' : 'invalid token'), { data: { code } }));
    }
  });

  // with no client connected the tailer need not even parse events for the gateway
  const unsubscribe = tailer.onEvent(
    (event) => {
      const rooms = roomsOf(event);
      // nobody listening in any of its rooms: skip the packet encoding
      if (!rooms.some((room) => (io.sockets.adapter.rooms.get(room)?.size ?? 0) > 0)) return;
      let target = io.to(rooms[0] as string);
      for (const room of rooms.slice(1)) target = target.to(room);
      target.emit('event', event);
    },
    () => io.engine.clientsCount > 0,
  );

  const replayThenJoin = async (socket: Socket, rooms: string[], from: string): Promise<void> => {
    const stream = ctx.keys.events();
    let cursor = from;
    const first = (await ctx.redis.xrange(stream, '-', '+', 'COUNT', 1)) as [string, string[]][];
    const oldest = first[0]?.[0];
    if (oldest && compareStreamIds(cursor, oldest) < 0 && cursor !== '0-0') {
      socket.emit('replay-truncated', { requested: from, oldest });
    }
    for (;;) {
      const upto = tailer.lastId;
      if (compareStreamIds(cursor, upto) >= 0) {
        // Same tick as the check: nothing the tailer broadcasts can fall between.
        void socket.join(rooms);
        socket.emit('ready', { lastEventId: cursor, rooms });
        return;
      }
      const entries = (await ctx.redis.xrange(stream, `(${cursor}`, upto, 'COUNT', REPLAY_BATCH)) as [string, string[]][];
      if (entries.length === 0) {
        cursor = upto;
        continue;
      }
      for (const [id, fields] of entries) {
        cursor = id;
        const event = decodeEntry(id, fields);
        if (event && roomsOf(event).some((r) => rooms.includes(r))) socket.emit('event', event);
      }
    }
  };

  io.on('connection', (socket) => {
    const principal = socket.data.principal as Principal;
    const auth = socket.handshake.auth as { lastEventId?: unknown; rooms?: unknown };
    const asked = Array.isArray(auth.rooms) ? auth.rooms.filter((r): r is string => typeof r === 'string') : [];
    const wanted = asked.length > 0 ? asked : principal.role === 'agent' ? [`agent:${principal.agentId}`] : ['all'];
    const rooms = wanted.filter((r) => mayJoin(principal, r));
    const from = typeof auth.lastEventId === 'string' && STREAM_ID_PATTERN.test(auth.lastEventId) ? auth.lastEventId : tailer.lastId;

    replayThenJoin(socket, rooms, from).catch((err) => {
      logger.warn('replay failed', errorFields(err));
      socket.emit('replay-failed', { message: 'could not replay missed events' });
      void socket.join(rooms);
    });

    socket.on('subscribe', (list: unknown, ack?: (r: unknown) => void) => {
      const names = (Array.isArray(list) ? list : [list]).filter((r): r is string => typeof r === 'string');
      const granted = names.filter((r) => mayJoin(principal, r));
      void socket.join(granted);
      if (typeof ack === 'function') ack({ joined: granted, refused: names.filter((r) => !granted.includes(r)) });
    });
    socket.on('unsubscribe', (list: unknown, ack?: (r: unknown) => void) => {
      const names = (Array.isArray(list) ? list : [list]).filter((r): r is string => typeof r === 'string');
      for (const r of names) void socket.leave(r);
      if (typeof ack === 'function') ack({ left: names });
    });
  });

  io.engine.on('connection_error', (err: unknown) => logger.debug('socket connection error', errorFields(err)));

  return {
    io,
    async close() {
      unsubscribe();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
