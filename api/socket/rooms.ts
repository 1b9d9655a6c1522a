import type { DomainEvent, Principal } from '../../shared/types.js';
import { ID_PATTERN } from '../../shared/ids.js';

/**
 * Socket.IO rooms: `all` (every event), `agent:<id>`, `task:<id>`, `host:<id>`.
 * An agent principal may only join its own agent room.
 */
const ROOM_PATTERN = new RegExp(`^(all|(agent|task|host):${ID_PATTERN.source.slice(1, -1)})$`);

export function isValidRoom(room: string): boolean {
  return ROOM_PATTERN.test(room);
}

export function mayJoin(principal: Principal, room: string): boolean {
  if (!isValidRoom(room)) return false;
  if (principal.role === 'agent') return room === `agent:${principal.agentId}`;
  return true;
}

/** The rooms an event goes to. */
export function roomsOf(event: DomainEvent): string[] {
  const rooms = ['all'];
  if (event.agentId) rooms.push(`agent:${event.agentId}`);
  if (event.taskId) rooms.push(`task:${event.taskId}`);
  if (event.hostId) rooms.push(`host:${event.hostId}`);
  return rooms;
}
