/** A domain event as the Socket.IO gateway emits it (shared/types.ts DomainEvent, with its stream id). */
export interface LiveEvent<T = unknown> {
  /** Redis stream id (`<ms>-<seq>`); the client remembers the last one for catch-up */
  id?: string;
  type: string;
  at: string;
  agentId?: string;
  taskId?: string;
  hostId?: string;
  correlationId?: string;
  data: T;
}

export type ConnectionStatus = 'connecting' | 'live' | 'reconnecting' | 'offline';

export interface LiveState {
  status: ConnectionStatus;
  /** newest first, bounded */
  events: LiveEvent[];
  /** something the person should know about the stream (events missed, replay failed) */
  notice?: string;
  /** bumps with every change, for cheap memo keys */
  version: number;
}
