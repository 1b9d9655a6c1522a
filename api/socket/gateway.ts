import type { Server as HttpServer } from 'node:http';
import { Server, type Socket } from 'socket.io';
import { AUTH_EVENT, type AgentTokensRevokedData, type TokenRevokedData } from '../../shared/auth/revocation.js';
import type { VerifiedToken } from '../../shared/auth/tokens.js';
import { compareStreamIds, decodeEntry, STREAM_ID_PATTERN } from '../../shared/events/event-bus.js';
import type { StreamTailer } from '../../shared/events/stream-tailer.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { DomainEvent, Principal } from '../../shared/types.js';
import type { RequestGuard } from '../http/request-guard.js';
import { createRoomCap } from './room-cap.js';
import { joinedRoom, mayJoin, roomsOf } from './rooms.js';
import { socketAuthenticator } from './socket-auth.js';
import { createSocketSessions } from './socket-sessions.js';

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

/** `websocketOnly`: no long-polling transport (API nodes that share a port round-robin: bin/api-cluster.ts) */
export function attachGateway(server: HttpServer, ctx: NoxContext, tailer: StreamTailer, guard: RequestGuard, websocketOnly = false): Gateway {
  const logger = ctx.logger.child({ component: 'socket-gateway' });
  const io = new Server(server, { path: '/socket.io', serveClient: false, cors: { origin: false }, ...(websocketOnly ? { transports: ['websocket'] as const } : {}) });
  const sessions = createSocketSessions();
  const roomCap = createRoomCap(ctx.config.api.socket_max_rooms);

  io.use(socketAuthenticator(guard, ctx.config.api.trust_proxy));
  io.use(roomCap.handshake);

  // revocations reach every API node through the stream: end the sockets of revoked tokens
  const offRevocations = tailer.onEvent(
    (event) => {
      if (event.type === AUTH_EVENT.tokenRevoked) sessions.tokenRevoked((event as DomainEvent<TokenRevokedData>).data.jti);
      else if (event.agentId) sessions.agentTokensRevoked(event.agentId, (event as DomainEvent<AgentTokensRevokedData>).data.epoch);
    },
    (type) => (type === AUTH_EVENT.tokenRevoked || type === AUTH_EVENT.agentTokensRevoked) && sessions.size > 0,
  );

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
        socket.emit('ready', { lastEventId: cursor, rooms: socket.data.rooms as string[] });
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
    if (socket.connected) sessions.track(socket, socket.data.token as VerifiedToken);
    const auth = socket.handshake.auth as { lastEventId?: unknown };
    const rooms = (socket.data.rooms as string[]).map((r) => joinedRoom(principal, r)); // room-cap.ts: granted and within the cap
    const from = typeof auth.lastEventId === 'string' && STREAM_ID_PATTERN.test(auth.lastEventId) ? auth.lastEventId : tailer.lastId;

    replayThenJoin(socket, rooms, from).catch((err) => {
      logger.warn('replay failed', errorFields(err));
      socket.emit('replay-failed', { message: 'could not replay missed events' });
      void socket.join(rooms);
    });

    socket.on('subscribe', (list: unknown, ack?: (r: unknown) => void) => {
      const names = (Array.isArray(list) ? list : [list]).filter((r): r is string => typeof r === 'string');
      const granted = names.filter((r) => mayJoin(principal, r));
      const refused = names.filter((r) => !granted.includes(r));
      const error = roomCap.add(socket, granted);
      if (error) {
        roomCap.reply(socket, ack, { joined: [], refused: names, error });
        return;
      }
      void socket.join(granted.map((r) => joinedRoom(principal, r)));
      if (typeof ack === 'function') ack({ joined: granted, refused });
    });
    socket.on('unsubscribe', (list: unknown, ack?: (r: unknown) => void) => {
      const names = (Array.isArray(list) ? list : [list]).filter((r): r is string => typeof r === 'string');
      roomCap.remove(socket, names);
      for (const r of names) void socket.leave(joinedRoom(principal, r));
      if (typeof ack === 'function') ack({ left: names });
    });
  });

  io.engine.on('connection_error', (err: unknown) => logger.debug('socket connection error', errorFields(err)));

  return {
    io,
    async close() {
      unsubscribe();
      offRevocations();
      sessions.close();
      io.disconnectSockets(true);
      await new Promise<void>((resolve) => io.close(() => resolve()));
    },
  };
}
