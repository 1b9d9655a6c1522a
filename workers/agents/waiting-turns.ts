import type { Logger } from '../../shared/logger.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { Turn } from './turn-queue.js';

/**
 * An agent's waiting direct turns, kept in Redis as well as in the host's memory, so that a
 * host that dies (or restarts) with turns queued does not lose them: the host that starts the
 * agent next finds them and runs them, in order, once (docs/AGENTS.md, "Turns").
 *
 * Only turns that carry no inbox messages are kept here: a turn made of inbox messages is
 * the inbox's (workers/messages/inbox.ts), which hands unconfirmed messages out again itself.
 * A turn is taken off the list when it is written to stdin — a turn in flight when its
 * process or host dies is not sent again (it may have had side effects), as before. The
 * save follows the write: a host killed within that one round trip leaves the turn listed,
 * and the next host sends it again (docs/AGENTS.md, "Turns", says so).
 *
 * Writes follow the in-memory queue: each change saves the whole list (a few turns at most,
 * `agent.max_queued_turns`), the saves of one agent in order, the latest winning.
 */
export interface WaitingTurnStore {
  save(waiting: readonly Turn[]): void;
  load(): Promise<Turn[]>;
  /** resolves when the saves so far have landed */
  settled(): Promise<void>;
}

/** a kept list outlives its agent's hosts by at most this long (a deleted agent's is removed with it) */
const KEEP_S = 7 * 24 * 3600;

export function createWaitingTurnStore(ctx: NoxContext, agentId: string, logger: Logger): WaitingTurnStore {
  const key = ctx.keys.agentWaitingTurns(agentId);
  let chain: Promise<void> = Promise.resolve();
  let latest: Turn[] | undefined;
  let queued = false;

  const write = async (): Promise<void> => {
    queued = false;
    const turns = latest ?? [];
    if (turns.length === 0) await ctx.redis.del(key);
    else await ctx.redis.set(key, JSON.stringify(turns), 'EX', KEEP_S);
  };

  return {
    save(waiting) {
      latest = waiting.filter((t) => !t.messageIds?.length);
      if (queued) return; // a save already waits in the chain: it writes the latest list
      queued = true;
      chain = chain.then(write).catch((err: unknown) => void logger.warn('could not keep the waiting turns', errorFields(err)));
    },
    async load() {
      const raw = await ctx.redis.get(key);
      if (!raw) return [];
      try {
        const turns = JSON.parse(raw) as unknown;
        return Array.isArray(turns) ? turns.filter((t): t is Turn => typeof (t as Turn)?.text === 'string') : [];
      } catch {
        logger.warn('the kept waiting turns are not readable; dropped', { key });
        return [];
      }
    },
    settled: () => chain,
  };
}
