import { reportLoopError } from '../../shared/redis-reachability.js';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';
import { applyStatusEvent, forgetAgent, seedFromStates } from '../../shared/attention/attention-index.js';
import { needsAttention } from '../../shared/attention/attention-item.js';
import { compareStreamIds, decodeEntry } from '../../shared/events/event-bus.js';
import { eventFeedFor } from '../../shared/events/event-feed.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { DomainEvent } from '../../shared/types.js';
import { createLease } from '../runtime/lease.js';
import { enqueueAttentionNotify } from './attention-jobs.js';

/**
 * Keeps the attention index (shared/attention/attention-index.ts) from the `agent.status`
 * events, and queues the webhook for an agent that begins to need a person, when
 * `approvals.webhook_url` is set and `attention.webhook` is on. Approvals have their own
 * webhook job (workers/approvals/approval-handlers.ts).
 *
 * Every host starts it, one keeps the index: the holder of a lease in Redis
 * (`attention.lease_ms`, workers/runtime/lease.ts); the others wait for it. The keeper
 * writes the stream id of the last event it handled (`keys.attentionCursor()`, at most once
 * a second); a host that takes the lease over replays the events since that id, then reads
 * the agents' states for what no event told. Applying is idempotent and order-proof (the
 * index's script), so events handled twice around a handover change nothing and queue no
 * second webhook.
 */
export interface AttentionWatch {
  /** this host keeps the index now */
  readonly active: boolean;
  readonly lastError: Error | undefined;
  /** epoch ms of the last event handled (never, on a host that only waits) */
  readonly lastRunAt: number | undefined;
  stop(): Promise<void>;
}

const CURSOR_EVERY_MS = 1000;
const REPLAY_BATCH = 500;
const wanted = (type: string): boolean => type === AGENT_EVENT.status || type === AGENT_EVENT.deleted;

export async function startAttentionWatch(ctx: NoxContext): Promise<AttentionWatch> {
  const logger = ctx.logger.child({ component: 'attention' });
  const state: { lastError?: Error; lastRunAt?: number } = {};
  const lease = createLease(ctx.redis, ctx.keys.attentionLease(), ctx.config.attention.lease_ms, logger, { name: 'attention index', lostLevel: 'warn' });
  const stopped = new AbortController();
  let unsubscribe: (() => void) | undefined;
  let cursor: string | undefined;
  let cursorWritten: string | undefined;
  let cursorTimer: NodeJS.Timeout | undefined;

  const handle = async (event: DomainEvent): Promise<void> => {
    const agentId = event.agentId;
    if (!agentId || !event.id) return;
    if (event.type === AGENT_EVENT.deleted) return forgetAgent(ctx.redis, ctx.keys, agentId);
    const data = (event.data ?? {}) as { status?: string; reason?: string };
    const status = data.status ?? '';
    const applied = await applyStatusEvent(ctx.redis, ctx.keys, { agentId, eventId: event.id, status, at: event.at, ...(data.reason ? { reason: data.reason } : {}) });
    if (applied !== 'entered' || !needsAttention(status)) return;
    logger.info('an agent needs a person', { agentId, status, reason: data.reason });
    if (!ctx.config.approvals.webhook_url || !ctx.config.attention.webhook) return;
    await enqueueAttentionNotify(ctx, { agentId, eventId: event.id }, status === 'parked' ? ctx.config.attention.parked_after_ms : 0);
  };

  // while a new keeper replays, live events (later ones) must not move the cursor past what
  // the replay has not reached: a keeper killed mid-replay would leave a gap to its successor
  let replaying = false;
  const handled = (event: DomainEvent, live = false): Promise<void> =>
    handle(event).then(
      () => {
        state.lastRunAt = Date.now();
        state.lastError = undefined;
        if (live && replaying) return;
        if (event.id && (!cursor || compareStreamIds(event.id, cursor) > 0)) cursor = event.id;
      },
      (err: unknown) => {
        state.lastError = err as Error;
        reportLoopError(logger, 'could not record that an agent needs a person', err, { agentId: event.agentId });
      },
    );

  const writeCursor = async (): Promise<void> => {
    if (!cursor || cursor === cursorWritten) return;
    const at = cursor;
    await ctx.redis.set(ctx.keys.attentionCursor(), at);
    cursorWritten = at;
  };

  /** the events since the last keeper's cursor, up to where the live feed took over */
  const replay = async (from: string, upto: string): Promise<number> => {
    let at = from;
    let n = 0;
    while (compareStreamIds(at, upto) < 0) {
      const entries = (await ctx.redis.xrange(ctx.keys.events(), `(${at}`, upto, 'COUNT', REPLAY_BATCH)) as [string, string[]][];
      if (entries.length === 0) break;
      for (const [id, fields] of entries) {
        at = id;
        const event = decodeEntry(id, fields);
        if (event && wanted(event.type)) {
          await handled(event);
          n++;
        }
      }
    }
    return n;
  };

  const becomeKeeper = async (): Promise<void> => {
    const feed = eventFeedFor(ctx);
    replaying = true;
    const off = await feed.subscribe((event) => void handled(event, true), wanted);
    // stopped while subscribing (the stop did not wait for it): leave nothing behind
    if (stopped.signal.aborted) return off();
    unsubscribe = off;
    const upto = feed.tailer.lastId;
    const from = await ctx.redis.get(ctx.keys.attentionCursor());
    const replayed = from ? await replay(from, upto) : 0;
    replaying = false;
    // stopped during the replay (the stop did not wait for it): no cursor timer after the stand-down
    if (stopped.signal.aborted) return;
    // from here a successor replays at most from where this keeper began
    if (!cursor || compareStreamIds(upto, cursor) > 0) cursor = upto;
    await writeCursor();
    cursorTimer = setInterval(() => void writeCursor().catch((err: unknown) => reportLoopError(logger, 'could not write the attention cursor', err)), CURSOR_EVERY_MS);
    cursorTimer.unref();
    // what no event told this index (agents older than it, changes while no host kept it); the webhook is for new ones only
    const seeded = await seedFromStates(ctx.redis, ctx.keys);
    logger.info('this host keeps the "needs you" index', { replayedEvents: replayed, seededFromStates: seeded });
  };

  const standDown = (): void => {
    unsubscribe?.();
    unsubscribe = undefined;
    clearInterval(cursorTimer);
  };

  const untilLostOrStopped = (): Promise<void> =>
    new Promise<void>((resolve) => {
      // each wait takes its listeners off again: a host may wait many times (one per handover)
      const done = (): void => {
        offLost();
        stopped.signal.removeEventListener('abort', done);
        resolve();
      };
      const offLost = lease.onLost(done);
      stopped.signal.addEventListener('abort', done, { once: true });
      // lost while it became keeper (before this listener): the loss was told to no one
      if (!lease.held) done();
    });

  const untilStopped = (): Promise<void> =>
    new Promise<void>((resolve) => {
      if (stopped.signal.aborted) return resolve();
      stopped.signal.addEventListener('abort', () => resolve(), { once: true });
    });

  /** keeps the index while this host holds the lease, and waits for it while another does */
  const keep = async (keeping: boolean): Promise<void> => {
    while (!stopped.signal.aborted) {
      try {
        if (!keeping) {
          await lease.acquire(stopped.signal);
          if (stopped.signal.aborted) break;
          // a stop does not wait for the take-over (its replay, its first read of the stream)
          await Promise.race([becomeKeeper(), untilStopped()]);
          if (stopped.signal.aborted) break;
        }
        keeping = false;
        await untilLostOrStopped();
      } catch (err) {
        keeping = false;
        if (stopped.signal.aborted) break;
        state.lastError = err as Error;
        logger.warn('the "needs you" index could not start here; trying again', errorFields(err));
        await lease.release();
        await new Promise((r) => setTimeout(r, Math.min(1000, ctx.config.attention.lease_ms / 3)));
      } finally {
        standDown();
      }
    }
  };

  // the first host takes it at once, before its agents start: their first status events count
  let keeping = false;
  if (await lease.tryAcquire()) {
    keeping = await becomeKeeper().then(
      () => true,
      async (err: unknown) => {
        standDown();
        await lease.release();
        logger.warn('the "needs you" index could not start here; trying again', errorFields(err));
        return false;
      },
    );
  }
  const kept = keep(keeping);

  return {
    get active() {
      return lease.held && unsubscribe !== undefined;
    },
    get lastError() {
      return state.lastError ?? lease.lastError;
    },
    get lastRunAt() {
      return state.lastRunAt;
    },
    async stop() {
      stopped.abort();
      await kept;
      standDown();
      await writeCursor().catch(() => undefined);
      await lease.release();
    },
  };
}
