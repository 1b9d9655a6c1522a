import { randomUUID } from 'node:crypto';
import { eventFeedFor } from '../../shared/events/event-feed.js';
import type { StreamTailer } from '../../shared/events/stream-tailer.js';
import { errorFields } from '../../shared/logger.js';
import { PRIORITY } from '../../shared/queues/priority.js';
import { REGISTRY_EVENT } from '../../shared/registry/changes.js';
import { registryClientFor, type RegistryClient } from '../../shared/registry/registry-client.js';
import { startPeriodic, type PeriodicTask } from '../runtime/periodic-task.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { isOpen } from '../../shared/tasks/task-model.js';
import { TASK_EVENT, TASK_JOB, type EditedTaskJob } from '../../shared/tasks/task-jobs.js';
import { createTaskStore, type TaskStore } from '../../shared/tasks/task-store.js';
import type { DomainEvent } from '../../shared/types.js';
import type { JobHandlers } from '../job-router.js';
import { taskHandlers } from './task-handlers.js';
import { rebuildTaskIndex } from './task-index-rebuild.js';
import { createTaskWorkflow } from './task-workflow.js';

/**
 * The tasks area on a worker host:
 * - the `tasks` queue handlers (create, update, delegate, a person's markdown edit);
 * - at start, the live index rebuilt from the registry's tasks.toml files if Redis lost it;
 * - a deadline watch: every `tasks.deadline_check_ms` each host looks for passed deadlines;
 *   a ZREM decides which host reports each one (once), with a `task.deadline-passed`
 *   event and a message to the assignee;
 * - a follower of the event stream that turns the registry watcher's `task.*` events with
 *   `source: "markdown"` into `task.edited` jobs (job id = event id, so several hosts
 *   following the same stream enqueue it once).
 *
 *   const tasks = createTaskHost(ctx);
 *   startWorkerHost(ctx, { sharedQueues: { tasks: tasks.handlers } });
 *   await tasks.start();
 */
export interface TaskHost {
  readonly handlers: JobHandlers;
  readonly store: TaskStore;
  readonly deadlines: PeriodicTask<number> | undefined;
  /** the event tail that brings markdown edits (shared by this process) */
  readonly edits: StreamTailer | undefined;
  start(): Promise<void>;
  stop(): Promise<void>;
}

export function createTaskHost(ctx: NoxContext): TaskHost {
  const logger = ctx.logger.child({ component: 'tasks' });
  const store = createTaskStore(ctx.redis, ctx.keys);
  const registry: RegistryClient = registryClientFor(ctx);
  const flow = createTaskWorkflow(ctx, store, registry, logger);
  let deadlines: PeriodicTask<number> | undefined;
  let edits: StreamTailer | undefined;
  let unsubscribe: (() => void) | undefined;

  const checkDeadlines = async (): Promise<number> => {
    let reported = 0;
    for (const id of await store.dueBefore(Date.now())) {
      if (!(await store.claimDeadline(id))) continue; // another host has it
      const task = await store.get(id);
      if (!task || !isOpen(task.status) || task.deadline_passed_at) continue;
      const { after } = await store.mutate(id, (t) => ({ ...t, deadline_passed_at: new Date().toISOString() }));
      const key = `deadline.${id}.${Date.parse(after.deadline_at ?? '') || 0}`;
      await flow.persist(after, key, `task ${id}: deadline passed`, 'system');
      await flow.publish(TASK_EVENT.deadline, after, randomUUID(), { deadline_at: after.deadline_at ?? null });
      await flow.notify(after.agent_id, key, `The deadline of your task ${id} "${after.title}" (${after.deadline_at}) has passed; it is still ${after.status}.`, 'high', { taskId: id });
      reported++;
    }
    return reported;
  };

  const onEvent = (event: DomainEvent): void => {
    const data = event.data as { source?: string; task?: Record<string, unknown>; kind?: EditedTaskJob['kind']; changes?: EditedTaskJob['changes'] } | undefined;
    if (data?.source !== 'markdown' || !event.agentId || !data.task || !event.id) return;
    if (event.type !== REGISTRY_EVENT.taskEdit && event.type !== TASK_EVENT.created) return;
    const job: EditedTaskJob = {
      correlationId: event.correlationId ?? randomUUID(),
      requestedBy: 'user:markdown',
      agentId: event.agentId,
      task: data.task,
      kind: data.kind ?? 'updated',
      changes: data.changes ?? {},
      eventId: event.id,
    };
    void ctx
      .queue('tasks')
      .add(TASK_JOB.edited, job, { jobId: `edited.${event.id}`, priority: PRIORITY.high })
      .catch((err) => logger.warn('could not enqueue a markdown edit', errorFields(err)));
  };

  return {
    handlers: taskHandlers(flow),
    store,
    get deadlines() {
      return deadlines;
    },
    get edits() {
      return edits;
    },
    async start() {
      await rebuildTaskIndex(ctx, store, registry, logger).catch((err: Error) => logger.warn('task index rebuild failed; tasks in the registry are not in the live index', { error: err.message }));
      deadlines = startPeriodic('deadline check', ctx.config.tasks.deadline_check_ms, checkDeadlines, logger);
      const feed = eventFeedFor(ctx);
      unsubscribe = await feed.subscribe(onEvent, (type) => type === REGISTRY_EVENT.taskEdit || type === TASK_EVENT.created);
      edits = feed.tailer;
    },
    async stop() {
      deadlines?.stop();
      unsubscribe?.();
    },
  };
}
