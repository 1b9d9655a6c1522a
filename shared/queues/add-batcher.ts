import type { Job, JobsOptions, Queue } from 'bullmq';

/**
 * Concurrent `add`s to one queue gathered into one `addBulk` (one Redis round trip, one
 * MULTI) per turn of the event loop (an add alone stays a plain `add`): under load, the requests that arrive together pay for
 * one write instead of one each. Alone, an add waits only until the end of the current
 * turn (setImmediate).
 *
 * Nothing about delivery changes: each job keeps its own name, data and options — its
 * `jobId` above all, so a job added twice is still one job (BullMQ ignores an add whose id
 * exists) and the handler's own idempotence stays what makes delivery exactly once. If the
 * bulk write fails, every add in it fails with that error (none is reported added).
 */
export interface AddBatcher {
  add(name: string, data: unknown, opts: JobsOptions): Promise<Job>;
}

/** adds gathered into one write, at most */
const MAX_BATCH = 500;

interface Pending {
  name: string;
  data: unknown;
  opts: JobsOptions;
  resolve(job: Job): void;
  reject(err: unknown): void;
}

export function createAddBatcher(queue: () => Queue): AddBatcher {
  let pending: Pending[] = [];

  const flush = (): void => {
    const batch = pending;
    pending = [];
    for (let i = 0; i < batch.length; i += MAX_BATCH) {
      const part = batch.slice(i, i + MAX_BATCH);
      // one alone goes as a plain add (addBulk wraps its adds in a MULTI)
      const only = part.length === 1 ? part[0] : undefined;
      (only ? queue().add(only.name, only.data, only.opts).then((job) => [job]) : queue().addBulk(part.map(({ name, data, opts }) => ({ name, data, opts }))))
        .then(
          (jobs) => part.forEach((p, k) => p.resolve(jobs[k] as Job)),
          (err: unknown) => part.forEach((p) => p.reject(err)),
        );
    }
  };

  return {
    add(name, data, opts) {
      return new Promise<Job>((resolve, reject) => {
        if (pending.length === 0) setImmediate(flush);
        pending.push({ name, data, opts, resolve, reject });
      });
    },
  };
}
