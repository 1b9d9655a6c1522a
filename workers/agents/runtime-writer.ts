import { writeRuntime, type RuntimeFields } from '../../shared/agents/runtime-state.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * What one agent's supervisor writes: its runtime hash and its events. Every write is
 * issued at once, in order, on the context's auto-pipelined connection, so a turn's state
 * writes and events go out together and land in the order they were made; none is awaited
 * where it is made (a failure is logged, never thrown into the agent's handling).
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
  let writes: Promise<void> = Promise.resolve();
  const track = (write: Promise<unknown>, what: string): void => {
    const landed = write.then(
      () => undefined,
      (err: unknown) => void logger.warn(`${what} failed`, errorFields(err)),
    );
    writes = Promise.all([writes, landed]).then(() => undefined);
  };
  return {
    track,
    persist: (fields) => track(writeRuntime(ctx.redis, ctx.keys, agentId, fields), 'runtime write'),
    publish: (type, data, correlationId) => track(ctx.events.publish({ type, agentId, hostId, ...(correlationId ? { correlationId } : {}), data }), `event ${type} publish`),
    settled: () => writes,
  };
}
