import type { Job, Queue, QueueEvents } from 'bullmq';

/**
 * Waiting for a job's answer — what BullMQ's `job.waitUntilFinished(queueEvents, ttl)` does,
 * for many waits at once. BullMQ's adds listeners per wait: a pair on the QueueEvents (named
 * for the job, harmless) and a 'closing' listener on the job's Queue — one Queue shared by
 * every client of the context, so the eleventh wait in flight printed
 * "MaxListenersExceededWarning: ... 11 closing listeners added to [Queue]" (a burst of
 * registry changes or task requests). Here each QueueEvents gets one 'completed' and one
 * 'failed' listener, for good, which hand each answer to the waits for that job id.
 * (A Queue never emits 'closing' — only a Worker does — so nothing is lost by not listening.)
 *
 * Same answers as waitUntilFinished: the job's return value, or an Error with its
 * failedReason, or after `ttlMs` (when given) an Error saying the wait timed out.
 */
interface Wait {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** the waits in flight by job id, per Queue (a job id is unique within its queue) */
const waitsByQueue = new WeakMap<Queue, Map<string, Set<Wait>>>();
/** the QueueEvents already handing their answers to a Queue's waits */
const fed = new WeakMap<QueueEvents, WeakSet<Queue>>();

export function waitForJob<R>(queue: Queue, events: QueueEvents, job: Job, ttlMs?: number): Promise<R> {
  const waits = waitsOf(queue);
  feed(queue, events, waits);
  const id = job.id as string;
  return new Promise<R>((resolve, reject) => {
    const timer = ttlMs ? setTimeout(() => wait.reject(new Error(`Job wait ${job.name} timed out before finishing, no finish notification arrived after ${ttlMs}ms (id=${id})`)), ttlMs) : undefined;
    const done = (): void => {
      clearTimeout(timer);
      const forJob = waits.get(id);
      forJob?.delete(wait);
      if (forJob?.size === 0) waits.delete(id);
    };
    const wait: Wait = {
      resolve: (value) => {
        done();
        resolve(value as R);
      },
      reject: (err) => {
        done();
        reject(err);
      },
    };
    let forJob = waits.get(id);
    if (!forJob) waits.set(id, (forJob = new Set()));
    forJob.add(wait);
    // The job may have finished before the events could tell this wait (or it was added
    // earlier under the same id): look once, after listening, so no answer falls between.
    finishedAlready(queue, id).then(
      (answer) => {
        if (answer && 'failedReason' in answer) wait.reject(new Error(answer.failedReason));
        else if (answer) wait.resolve(answer.returnvalue);
      },
      (err: unknown) => wait.reject(err as Error),
    );
  });
}

function waitsOf(queue: Queue): Map<string, Set<Wait>> {
  let waits = waitsByQueue.get(queue);
  if (!waits) waitsByQueue.set(queue, (waits = new Map()));
  return waits;
}

function feed(queue: Queue, events: QueueEvents, waits: Map<string, Set<Wait>>): void {
  let queues = fed.get(events);
  if (!queues) fed.set(events, (queues = new WeakSet()));
  if (queues.has(queue)) return;
  queues.add(queue);
  // copies of the sets: a settled wait takes itself out of its set
  events.on('completed', ({ jobId, returnvalue }) => {
    for (const w of [...(waits.get(jobId) ?? [])]) w.resolve(returnvalue);
  });
  events.on('failed', ({ jobId, failedReason }) => {
    for (const w of [...(waits.get(jobId) ?? [])]) w.reject(new Error(failedReason));
  });
}

async function finishedAlready(queue: Queue, id: string): Promise<{ returnvalue: unknown } | { failedReason: string } | undefined> {
  const state = await queue.getJobState(id);
  // gone already (as waitUntilFinished answers it)
  if (state === 'unknown') return { failedReason: `Missing key for job ${id}. isFinished` };
  if (state !== 'completed' && state !== 'failed') return undefined;
  // removed in between (removeOnComplete/removeOnFail): its event has come or is coming
  const job = await queue.getJob(id);
  if (!job) return undefined;
  return state === 'completed' ? { returnvalue: job.returnvalue } : { failedReason: job.failedReason };
}
