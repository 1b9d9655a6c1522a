import { writeRuntime, type RuntimeFields } from '../../shared/agents/runtime-state.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * What one agent's supervisor writes: its runtime hash and its events. Every write is
 * issued in order on the context's auto-pipelined connection, so a turn's state writes and
 * events go out together and land in the order they were made; none is awaited where it is
 * made (a failure is logged, never thrown into the agent's handling).
 *
 * Runtime fields persisted one after another are written as one HSET: they are held until
 * the next event is published (which they must precede: a reader that sees the event and
 * reads the hash sees the fields), `settled()` is asked, or the current turn of the event
 * loop ends (before the auto-pipeline goes out) — e.g. a turn's queue length and its `busy`
 * status, or its cost and its `idle` status, are one write each, not two.
 * `settled()` resolves when every write issued so far has landed.
 */
export interface RuntimeWriter {
  persist(fields: RuntimeFields): void;
  /** an event about the agent; `correlationId` ties it to the request or message it came from */
  publish(type: string, data: Record<string, unknown>, correlationId?: string): void;
  /** any other write to wait for in `settled()` */
  track(write: Promise<unknown>, what: string): void;
  settled(): Promise<void>;
}

export function createRuntimeWriter(ctx: NoxContext, agentId: string, hostId: string, logger: Logger): RuntimeWriter {
  /** writes issued and not landed yet (one promise each: a turn makes several, settled() is rare) */
  const inFlight = new Set<Promise<void>>();
  /** fields persisted and not written yet (later values win, as with two HSETs in a row) */
  let pending: RuntimeFields | undefined;
  const track = (write: Promise<unknown>, what: string): void => {
    const landed: Promise<void> = write.then(
      () => void inFlight.delete(landed),
      (err: unknown) => {
        inFlight.delete(landed);
        logger.warn(`${what} failed`, errorFields(err));
      },
    );
    inFlight.add(landed);
  };
  const flush = (): void => {
    if (!pending) return;
    const fields = pending;
    pending = undefined;
    track(writeRuntime(ctx.redis, ctx.keys, agentId, fields), 'runtime write');
  };
  return {
    track,
    persist(fields) {
      if (pending) {
        Object.assign(pending, fields);
        return;
      }
      pending = { ...fields };
      // ioredis sends its auto-pipeline from setImmediate: a nextTick write still goes with it
      process.nextTick(flush);
    },
    publish(type, data, correlationId) {
      flush();
      track(ctx.events.publish({ type, agentId, hostId, ...(correlationId ? { correlationId } : {}), data }), `event ${type} publish`);
    },
    settled() {
      flush();
      return Promise.all(inFlight).then(() => undefined);
    },
  };
}
