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
   * Who asks (a host id): with the slots' `perKey`, at most that many of one key running or
   * waiting, the next refused with 429 — so that one caller cannot hold every slot.
   * @defaultValue none: counted with everyone
   */
  key?: string;
  /**
   * Aborted when the caller is gone (its HTTP client went away): a job still waiting leaves
   * the queue at once, rejected with `nox:request-aborted`, and never runs; one already
   * running is not interrupted here (the work sees its own client go: git-http-backend.ts).
   */
  signal?: AbortSignal;
}

export interface GitSlotsLimits {
  /** at most this many running or waiting per `key` @defaultValue no bound */
  perKey?: number;
}

/** A waiting job: `start` hands it the slot someone released. */
interface Waiter {
  start: () => void;
}

export function gitSlots(max: number, waiting: number, limits: GitSlotsLimits = {}): GitSlots {
  let busy = 0;
  const queue: Waiter[] = [];
  const perKey = new Map<string, number>();
  // the slot passes straight to the next waiter, so `busy` never dips for a newcomer to take it
  const release = (): void => {
    const next = queue.shift();
    if (next) next.start();
    else busy -= 1;
  };
  const countKey = (key: string | undefined, by: number): void => {
    if (key === undefined) return;
    const n = (perKey.get(key) ?? 0) + by;
    if (n > 0) perKey.set(key, n);
    else perKey.delete(key);
  };

  /** resolves when a slot is this job's; rejects, out of the queue, if its caller goes first */
  const waitForSlot = (signal: AbortSignal | undefined): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
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
      if (key !== undefined && limits.perKey !== undefined && (perKey.get(key) ?? 0) >= limits.perKey) {
        throw new RateLimitedError(2, `git is busy for ${key} (${perKey.get(key)} of its requests running or waiting, at most ${limits.perKey}); try again shortly`);
      }
      if (busy >= max && queue.length >= waiting) throw new RateLimitedError(2, `git is busy here (${busy} running, ${queue.length} waiting); try again shortly`);
      countKey(key, 1);
      try {
        if (busy >= max) await waitForSlot(signal);
        else busy += 1;
      } catch (err) {
        countKey(key, -1);
        throw err;
      }
      try {
        return await work();
      } finally {
        countKey(key, -1);
        release();
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
   * the fetches and pushes hosts make through the served mirror: four at a time, 64 waiting,
   * and at most two of one host (its `key`) running or waiting, so that a host whose fetches
   * hang (up to their 600 s bound) cannot hold all four
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
    found = { project: gitSlots(2, 32), served: gitSlots(4, 64, { perKey: 2 }) };
    slots.set(ctx, found);
  }
  return found;
}
