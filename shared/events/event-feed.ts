import type { NoxContext } from '../runtime/context.js';
import { createStreamTailer, type EventListener, type StreamTailer } from './stream-tailer.js';

/**
 * One tail of the event stream per process context, shared by everything in that process
 * that follows events (the API's gateway and waiting requests, the registry cache, task
 * edits, approval waiters, decision watches):
 * one XREAD loop and one JSON parse per event instead of one per follower. Each subscriber
 * says which types it wants; an event no subscriber wants is skipped unparsed.
 *
 *   const unsubscribe = await eventFeedFor(ctx).subscribe((e) => ..., (type) => type === 'approval.decided');
 *
 * A subscriber hears events from the moment `subscribe` resolves (history: XRANGE). The
 * tail starts with the first subscriber and stops when the context closes.
 */
export interface EventFeed {
  /** starts the tail (once; after a failure the next call tries again) */
  start(): Promise<void>;
  subscribe(listener: EventListener, accept?: (type: string) => boolean): Promise<() => void>;
  /** the shared tail (health: lastId, lastError, lastRunAt) */
  readonly tailer: StreamTailer;
  readonly subscribers: number;
}

const feeds = new WeakMap<NoxContext, EventFeed>();

export function eventFeedFor(ctx: NoxContext): EventFeed {
  let feed = feeds.get(ctx);
  if (feed) return feed;
  const logger = ctx.logger.child({ component: 'event-feed' });
  const tailer = createStreamTailer({ redis: ctx.connect('blocking', 'event-feed'), stream: ctx.keys.events(), logger });
  let subscribers = 0;
  let started: Promise<void> | undefined;
  ctx.onClose(() => tailer.stop());

  const start = (): Promise<void> =>
    (started ??= tailer.start().catch((err: unknown) => {
      started = undefined; // the next call tries again
      throw err;
    }));

  feed = {
    start,
    async subscribe(listener, accept) {
      await start();
      const off = tailer.onEvent(listener, accept);
      subscribers++;
      let subscribed = true;
      return () => {
        if (!subscribed) return;
        subscribed = false;
        subscribers--;
        off();
      };
    },
    tailer,
    get subscribers() {
      return subscribers;
    },
  };
  feeds.set(ctx, feed);
  return feed;
}
