import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import { errorFields, type Logger } from '../../shared/logger.js';
import { enqueueMessage } from '../../shared/messages/message-sender.js';
import { newMessage } from '../../shared/messages/message-model.js';
import { files } from '../../shared/registry/layout.js';
import type { ChangeOp } from '../../shared/registry/changes.js';
import type { RegistryClient } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { PriorityName } from '../../shared/types.js';
import { isOpen, tomlSafe, type Task } from '../../shared/tasks/task-model.js';
import { TASK_EVENT } from '../../shared/tasks/task-jobs.js';
import type { TaskStore } from '../../shared/tasks/task-store.js';

/**
 * What the task handlers share: writing a task's durable copy (tasks.toml through the
 * registry writer, which re-renders tasks/<agent>.md in the same commit), telling an agent
 * (a `task` message through the `messages` queue), and the dependency rule.
 *
 * Every effect is keyed by the job that causes it (registry change id, message id), so a
 * retried job repeats none of them.
 */
export interface TaskWorkflow {
  readonly store: TaskStore;
  /** writes the task to tasks.toml (and, when it moved, removes it from the old agent's) */
  persist(task: Task, opKey: string, message: string, actor: string, movedFrom?: string): Promise<void>;
  notify(agentId: string, opKey: string, content: string, priority?: PriorityName, metadata?: Record<string, unknown>): Promise<void>;
  /** whether every dependency of `task` is done */
  dependenciesDone(task: Task): Promise<boolean>;
  /** after `doneId` is done: moves dependents whose dependencies are all done out of `blocked` */
  unblockDependents(doneId: string, opKey: string, correlationId: string): Promise<string[]>;
  publish(type: string, task: Task, correlationId: string, data?: Record<string, unknown>): Promise<void>;
}

export function createTaskWorkflow(ctx: NoxContext, store: TaskStore, registry: RegistryClient, logger: Logger): TaskWorkflow {
  const actorOf = (who: string): string => (/^(system|user:[A-Za-z0-9_.@-]{1,64}|agent:[a-z0-9][a-z0-9-]{0,62})$/.test(who) ? who : 'system');
  const safeKey = (s: string): string => s.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 100);

  const workflow: TaskWorkflow = {
    store,
    async persist(task, opKey, message, actor, movedFrom) {
      const changes: ChangeOp[] = [];
      if (movedFrom && movedFrom !== task.agent_id) changes.push({ op: 'delete-item', file: files.agentTasks(movedFrom), key: ['tasks'], id: task.id });
      changes.push({ op: 'upsert', file: files.agentTasks(task.agent_id), key: ['tasks'], item: tomlSafe(task) });
      // not awaited to commit: the writer applies changes in order, the index already holds the truth
      await registry.submit({ id: safeKey(`task-${opKey}`), message: message.slice(0, 200), changes }, actorOf(actor) as never);
    },
    async notify(agentId, opKey, content, priority = 'normal', metadata = {}) {
      const message = newMessage({ id: safeKey(`task.${opKey}.${agentId}`), to: agentId, message_type: 'task', content, priority, metadata }, 'system');
      await enqueueMessage(ctx, message, { correlationId: randomUUID(), requestedBy: 'system' }).catch((err) => logger.warn('could not notify agent of a task', { agentId, ...errorFields(err) }));
    },
    async dependenciesDone(task) {
      if (task.dependencies.length === 0) return true;
      const deps = await store.many(task.dependencies);
      return task.dependencies.every((id) => deps.get(id)?.status === 'done');
    },
    async unblockDependents(doneId, opKey, correlationId) {
      const moved: string[] = [];
      for (const id of await store.dependents(doneId)) {
        const candidate = await store.get(id);
        if (!candidate || candidate.status !== 'blocked' || !candidate.blocked_by_dependencies) continue;
        if (!(await workflow.dependenciesDone(candidate))) continue;
        const { before, after } = await store.mutate(id, (t) => {
          if (t.status !== 'blocked' || !t.blocked_by_dependencies) return t;
          const next: Task = { ...t, status: 'pending', updatedAt: new Date().toISOString() };
          delete next.blocked_by_dependencies;
          return next;
        });
        if (before === after) continue;
        moved.push(id);
        await workflow.persist(after, `${opKey}.unblock.${id}`, `task ${id} unblocked: its dependencies are done`, 'system');
        await workflow.publish(TASK_EVENT.unblocked, after, correlationId, { after: doneId });
        await workflow.notify(after.agent_id, `${opKey}.unblock.${id}`, `Task ${id} "${after.title}" is unblocked: every task it depends on is done. It is now pending.`, after.priority, { taskId: id });
      }
      return moved;
    },
    async publish(type, task, correlationId, data = {}) {
      await ctx.events.publish({ type, agentId: task.agent_id, taskId: task.id, correlationId, data: { task, ...data } });
    },
  };
  return workflow;
}

/** A job's idempotency key as a plain string. */
export function opKeyOf(job: Job): string {
  return String(job.id ?? randomUUID());
}

export { isOpen };
