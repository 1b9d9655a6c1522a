import { ERROR_CODE } from '../errors/codes.js';
import { NoxError } from '../errors/nox-error.js';
import { RateLimitedError } from '../errors/service-errors.js';

/**
 * A bound on the git work one process does for people and hosts (docs/WORKTREES.md, "Where
 * git runs"): at most `max` at once, at most `waiting` more queued; beyond that a 429 with
 * `Retry-After`, so a burst of changes views, merges or fetches cannot take every core of the
 * API's machine. Each git command is bounded in time already (git-run.ts).
 */
export interface GitSlots {
  run<T>(work: () => Promise<T>, options?: GitRunOptions): Promise<T>;
  readonly busy: number;
  readonly queued: number;
}

export interface GitRunOptions {
  /**
   * Who asks (a host id): with the slots' `perKey`, at most that many of one key run at once;
   * its next ones wait (at most `perKeyWaiting` of them, the next refused with 429) while other
   * keys' jobs take the free slots — so one caller cannot hold every slot, and a host with many
   * agents pushing at once is slowed, not refused.
   * @defaultValue none: counted with everyone
   */
  key?: string;
  /**
   * Aborted when the caller is gone (its HTTP client went away): a job still waiting leaves
   * the queue at once, rejected with ERROR_CODE.requestAborted, and never runs; one already
   * running is not interrupted here (the work sees its own client go: git-http-backend.ts).
   */
  signal?: AbortSignal;
}

export interface GitSlotsLimits {
  /** at most this many running per `key` @defaultValue no bound */
  perKey?: number;
  /** at most this many waiting per `key` @defaultValue the slots' whole waiting bound */
  perKeyWaiting?: number;
}

/** A waiting job: `start` hands it a slot (its key's running count taken too). */
interface Waiter {
  key: string | undefined;
  start: () => void;
}

export function gitSlots(max: number, waiting: number, limits: GitSlotsLimits = {}): GitSlots {
  let busy = 0;
  const queue: Waiter[] = [];
  const running = new Map<string, number>();
  const count = (map: Map<string, number>, key: string | undefined, by: number): void => {
    if (key === undefined) return;
    const n = (map.get(key) ?? 0) + by;
    if (n > 0) map.set(key, n);
    else map.delete(key);
  };
  const mayRun = (key: string | undefined): boolean => key === undefined || limits.perKey === undefined || (running.get(key) ?? 0) < limits.perKey;
  const waitingOf = (key: string | undefined): number => (key === undefined ? 0 : queue.filter((w) => w.key === key).length);
  const take = (key: string | undefined): void => {
    busy += 1;
    count(running, key, 1);
  };
  // Every slot free goes, in the same step, to the first waiter whose key may run: a newcomer
  // finds a free slot only when no waiter could have taken it.
  const dispatch = (): void => {
    while (busy < max) {
      const at = queue.findIndex((w) => mayRun(w.key));
      if (at < 0) return;
      const [next] = queue.splice(at, 1);
      take(next!.key);
      next!.start();
    }
  };

  /** resolves when a slot is this job's; rejects, out of the queue, if its caller goes first */
  const waitForSlot = (key: string | undefined, signal: AbortSignal | undefined): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        key,
        start: () => {
          signal?.removeEventListener('abort', leave);
          resolve();
        },
      };
      function leave(): void {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        reject(callerGone(signal));
      }
      signal?.addEventListener('abort', leave, { once: true });
      queue.push(waiter);
    });

  return {
    get busy() {
      return busy;
    },
    get queued() {
      return queue.length;
    },
    async run<T>(work: () => Promise<T>, options: GitRunOptions = {}): Promise<T> {
      const { key, signal } = options;
      if (signal?.aborted) throw callerGone(signal);
      if (busy < max && mayRun(key)) take(key);
      else {
        if (queue.length >= waiting) throw new RateLimitedError(2, `git is busy here (${busy} running, ${queue.length} waiting); try again shortly`);
        if (key !== undefined && limits.perKeyWaiting !== undefined && waitingOf(key) >= limits.perKeyWaiting) {
          throw new RateLimitedError(2, `git is busy for ${key} (${running.get(key) ?? 0} of its requests running, ${waitingOf(key)} waiting, at most ${limits.perKeyWaiting}); try again shortly`);
        }
        await waitForSlot(key, signal);
      }
      try {
        return await work();
      } finally {
        busy -= 1;
        count(running, key, -1);
        dispatch();
      }
    },
  };
}

/** The error a job that left the queue rejects with: its caller went away while it waited. */
function callerGone(signal: AbortSignal | undefined): NoxError {
  return new NoxError(ERROR_CODE.requestAborted, 'The client went away while its git request waited for a slot', { cause: signal?.reason });
}

export interface ProcessGitSlots {
  /** the changes views and merges: two at a time (2 cores at least), 32 waiting */
  project: GitSlots;
  /**
   * the fetches and pushes hosts make through the served mirror: four at a time, 64 waiting;
   * at most two of one host (its `key`) running and 16 waiting, so that a host whose fetches
   * hang (up to their 600 s bound) cannot hold all four nor fill the queue
   */
  served: GitSlots;
}

const slots = new WeakMap<object, ProcessGitSlots>();

/**
 * The bounds of one Nox context (one per process in a deployment): kept with the context, not
 * in the module, so that a context's git work never waits behind another's (tests run many
 * stacks in one process, one after another).
 */
export function gitSlotsFor(ctx: object): ProcessGitSlots {
  let found = slots.get(ctx);
  if (!found) {
    found = { project: gitSlots(2, 32), served: gitSlots(4, 64, { perKey: 2, perKeyWaiting: 16 }) };
    slots.set(ctx, found);
  }
  return found;
}
