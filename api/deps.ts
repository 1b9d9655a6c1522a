import type { NoxContext } from '../shared/runtime/context.js';
import type { StreamTailer } from '../shared/events/stream-tailer.js';
import type { EventWaiters } from './event-waiters.js';

/** What the route modules get: the process context and this node's event plumbing. */
export interface ApiDeps {
  ctx: NoxContext;
  tailer: StreamTailer;
  waiters: EventWaiters;
  /** epoch ms the API started */
  startedAt: number;
}
