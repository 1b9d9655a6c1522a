import type { Socket } from 'socket.io';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import type { Principal } from '../../shared/types.js';
import { mayJoin } from './rooms.js';
import { refusal } from './socket-auth.js';

/**
 * One socket may be in at most `api.socket_max_rooms` rooms (its own id room not counted):
 * each room a socket joins is one more set the adapter keeps and one more lookup per event,
 * so a client must not be able to ask for millions. Past the cap a handshake is refused
 * (`connect_error`, `data: {code: ERROR_CODE.tooManyRooms, limit}`) and a `subscribe` joins
 * nothing and answers `{joined: [], refused, error: {code, message, limit}}` — through its
 * ack, or as a `subscribe-refused` event when it gave none. The socket stays connected.
 */
export const SUBSCRIBE_REFUSED_EVENT = 'subscribe-refused';

export interface RoomCapError {
  code: string;
  message: string;
  limit: number;
}

export interface RoomCap {
  /** handshake middleware: the rooms the socket starts in (`socket.data.rooms`), or a refusal */
  handshake(socket: Socket, next: (err?: Error) => void): void;
  /** counts `rooms` in; the error (and nothing counted) when they would pass the cap */
  add(socket: Socket, rooms: string[]): RoomCapError | undefined;
  remove(socket: Socket, rooms: string[]): void;
  /** answers a refused subscribe through its ack, or as an event */
  reply(socket: Socket, ack: unknown, answer: Record<string, unknown>): void;
}

const held = (socket: Socket): Set<string> => (socket.data.held ??= new Set<string>()) as Set<string>;

export function createRoomCap(limit: number): RoomCap {
  const tooMany = (): RoomCapError => ({ code: ERROR_CODE.tooManyRooms, message: `A socket may be in at most ${limit} rooms`, limit });
  return {
    handshake(socket, next) {
      const principal = socket.data.principal as Principal;
      const auth = socket.handshake.auth as { rooms?: unknown };
      const asked = Array.isArray(auth.rooms) ? auth.rooms.filter((r): r is string => typeof r === 'string') : [];
      const wanted = asked.length > 0 ? asked : principal.role === 'agent' ? [`agent:${principal.agentId}`] : ['all'];
      const rooms = [...new Set(wanted.filter((r) => mayJoin(principal, r)))];
      if (rooms.length > limit) return next(refusal(ERROR_CODE.tooManyRooms, tooMany().message, { limit }));
      socket.data.rooms = rooms;
      socket.data.held = new Set(rooms);
      next();
    },
    add(socket, rooms) {
      const mine = held(socket);
      const fresh = new Set(rooms.filter((r) => !mine.has(r)));
      if (mine.size + fresh.size > limit) return tooMany();
      for (const r of fresh) mine.add(r);
      return undefined;
    },
    remove(socket, rooms) {
      const mine = held(socket);
      for (const r of rooms) mine.delete(r);
    },
    reply(socket, ack, answer) {
      if (typeof ack === 'function') (ack as (a: unknown) => void)(answer);
      else socket.emit(SUBSCRIBE_REFUSED_EVENT, answer);
    },
  };
}
