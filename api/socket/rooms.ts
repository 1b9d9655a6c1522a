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

/**
 * The room a socket really joins for a room it asked for. An agent principal's `agent:<id>`
 * is its own `self:<id>`: it gets the events about itself except approvals it did not ask
 * for (a person's deletion of it, an MCP install for it — their details are for people).
 */
export function joinedRoom(principal: Principal, room: string): string {
  return principal.role === 'agent' && room === `agent:${principal.agentId}` ? `self:${principal.agentId}` : room;
}

/** Event types that stay between Nox processes (revocations: shared/auth/revocation.ts). */
const INTERNAL_TYPE = /^auth\./;

/** The rooms an event goes to; none for an internal event, which no client sees (live or replayed). */
export function roomsOf(event: DomainEvent): string[] {
  if (INTERNAL_TYPE.test(event.type)) return [];
  const rooms = ['all'];
  if (event.agentId) {
    rooms.push(`agent:${event.agentId}`);
    if (!event.type.startsWith('approval.') || (event.data as { requested_by?: unknown } | undefined)?.requested_by === `agent:${event.agentId}`) rooms.push(`self:${event.agentId}`);
  }
  if (event.taskId) rooms.push(`task:${event.taskId}`);
  if (event.hostId) rooms.push(`host:${event.hostId}`);
  return rooms;
}
