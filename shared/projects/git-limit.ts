import { RateLimitedError } from '../errors/service-errors.js';

/**
 * A bound on the git work one process does for people and hosts (docs/WORKTREES.md, "Where
 * git runs"): at most `max` at once, at most `waiting` more queued; beyond that a 429 with
 * `Retry-After`, so a burst of changes views, merges or fetches cannot take every core of the
 * API's machine. Each git command is bounded in time already (git-run.ts).
 */
export interface GitSlots {
  run<T>(work: () => Promise<T>): Promise<T>;
  readonly busy: number;
  readonly queued: number;
}

export function gitSlots(max: number, waiting: number): GitSlots {
  let busy = 0;
  const queue: Array<() => void> = [];
  const release = (): void => {
    const next = queue.shift();
    if (next) next();
    else busy -= 1;
  };
  return {
    get busy() {
      return busy;
    },
    get queued() {
      return queue.length;
    },
    async run<T>(work: () => Promise<T>): Promise<T> {
      if (busy >= max) {
        if (queue.length >= waiting) throw new RateLimitedError(2, `git is busy here (${busy} running, ${queue.length} waiting); try again shortly`);
        await new Promise<void>((resolve) => queue.push(resolve));
      } else busy += 1;
      try {
        return await work();
      } finally {
        release();
      }
    },
  };
}

export interface ProcessGitSlots {
  /** the changes views and merges: two at a time (2 cores at least), 32 waiting */
  project: GitSlots;
  /** the fetches and pushes hosts make through the served mirror: four at a time, 64 waiting */
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
    found = { project: gitSlots(2, 32), served: gitSlots(4, 64) };
    slots.set(ctx, found);
  }
  return found;
}
