import type { DomainEvent } from '../../../shared/types.js';

/** A domain event as the Socket.IO gateway emits it (shared/types.ts, with its stream `id`). */
export type LiveEvent<T = unknown> = DomainEvent<T>;

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
