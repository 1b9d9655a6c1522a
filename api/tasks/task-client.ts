import type { QueueEvents } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { parseFailureReason } from '../../shared/errors/job-errors.js';
import { NotFoundError } from '../../shared/errors/not-found-error.js';
import { TimeoutError } from '../../shared/errors/service-errors.js';
import { ValidationError } from '../../shared/errors/validation-error.js';
import { priorityOf } from '../../shared/queues/priority.js';
import { waitForJob } from '../../shared/queues/job-waits.js';
import { createQueueEvents } from '../../shared/queues/queue-factory.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { PriorityName } from '../../shared/types.js';
import type { Task } from '../../shared/tasks/task-model.js';

/**
 * Runs a job on the `tasks` queue and waits for its answer (API side). A job that failed
 * for a client's mistake (UnrecoverableError `<code>: why`, shared/errors/job-errors.ts)
 * comes back as the matching 4xx error, anything else as it was; no answer within
 * `tasks.wait_ms` is a 504 (the job still runs: the answer is only late).
 */
export interface TaskClient {
  run(name: string, data: object, jobId: string, priority: PriorityName): Promise<Task>;
  close(): Promise<void>;
}

export function createTaskClient(ctx: NoxContext): TaskClient {
  let events: QueueEvents | undefined;
  const ready = async (): Promise<QueueEvents> => {
    if (!events) {
      const created = createQueueEvents('tasks', ctx.connect('blocking', 'task-client-events'), ctx.keys, ctx.logger);
      ctx.onClose(() => created.close());
      events = created;
    }
    await events.waitUntilReady();
    return events;
  };
  return {
    async run(name, data, jobId, priority) {
      const qe = await ready();
      const queue = ctx.queue('tasks');
      const job = await queue.add(name, data, { jobId, priority: priorityOf(priority) });
      try {
        return await waitForJob<Task>(queue, qe, job, ctx.config.tasks.wait_ms);
      } catch (err) {
        const message = (err as Error).message ?? String(err);
        const failure = parseFailureReason(message);
        if (/timed out|timeout/i.test(message) && !failure) throw new TimeoutError(`the tasks queue did not answer within ${ctx.config.tasks.wait_ms} ms`);
        if (failure?.code === ERROR_CODE.taskNotFound) throw new NotFoundError(failure.message, failure.code);
        if (failure?.code === ERROR_CODE.validationFailed) throw new ValidationError(failure.message, [{ path: 'body', message: failure.message, code: 'invalid' }]);
        throw err instanceof UnrecoverableError ? new Error(message) : err;
      }
    },
    async close() {
      await events?.close();
    },
  };
}
