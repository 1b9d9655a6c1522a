import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { failOnClientMistake, failureReason } from '../../shared/errors/job-errors.js';
import { taskRecordSchema } from '../../shared/registry/task-record.js';
import { deadlineFields, type Task } from '../../shared/tasks/task-model.js';
import { TASK_EVENT, TASK_JOB, type CreateTaskJob, type DelegateTaskJob, type EditedTaskJob, type UpdateTaskJob } from '../../shared/tasks/task-jobs.js';
import type { HandlerEnv, JobHandlers } from '../job-router.js';
import { opKeyOf, type TaskWorkflow } from './task-workflow.js';

/**
 * Handlers of the shared `tasks` queue. Idempotent: a create whose task exists answers the
 * stored task; an update or delegation that finds the task already as asked changes
 * nothing; every registry change and notification is keyed by the job id.
 */
const describe = (t: Task): string =>
  [`Task ${t.id}: "${t.title}" (priority ${t.priority}${t.deadline_at ? `, deadline ${t.deadline_at}` : ''}, status ${t.status})`, t.description ? `\n${t.description}` : ''].join('');

export function taskHandlers(flow: TaskWorkflow): JobHandlers {
  const { store } = flow;
  return {
    [TASK_JOB.create]: async (job: Job<CreateTaskJob>) => {
      const input = job.data.task;
      const ready = await flow.dependenciesDone(input);
      const task: Task = ready || input.status === 'done' || input.status === 'cancelled' ? input : { ...input, status: 'blocked', blocked_by_dependencies: true };
      const { task: stored, created } = await store.create(task);
      const key = opKeyOf(job);
      // also on a retry: the registry change and the message are deduplicated by key
      await flow.persist(stored, key, `task ${stored.id} created for ${stored.agent_id}: ${stored.title}`, job.data.requestedBy);
      if (created) await flow.publish(TASK_EVENT.created, stored, job.data.correlationId, { by: job.data.requestedBy });
      if (job.data.requestedBy !== `agent:${stored.agent_id}`) {
        await flow.notify(stored.agent_id, key, `New task from ${job.data.requestedBy}. ${describe(stored)}${stored.status === 'blocked' ? `\nBlocked until these are done: ${stored.dependencies.join(', ')}.` : ''}`, stored.priority, { taskId: stored.id });
      }
      return stored;
    },

    [TASK_JOB.update]: async (job: Job<UpdateTaskJob>, env: HandlerEnv) => {
      const { patch, taskId, requestedBy, correlationId } = job.data;
      if (patch.dependencies?.includes(taskId)) throw new UnrecoverableError(failureReason(ERROR_CODE.validationFailed, 'a task cannot depend on itself'));
      const depsDone = patch.dependencies ? await flow.dependenciesDone({ dependencies: patch.dependencies } as Task) : undefined;
      const { before, after } = await store
        .mutate(taskId, (t) => {
          const next: Task = { ...t };
          if (patch.title !== undefined) next.title = patch.title;
          if (patch.description !== undefined) next.description = patch.description;
          if (patch.priority !== undefined) next.priority = patch.priority;
          if (patch.dependencies !== undefined) next.dependencies = [...new Set(patch.dependencies)];
          if (patch.deadline === null) {
            delete next.deadline;
            delete next.deadline_at;
            delete next.deadline_passed_at;
          } else if (patch.deadline !== undefined) {
            Object.assign(next, deadlineFields(patch.deadline));
            delete next.deadline_passed_at;
          }
          if (patch.budget_usd === null) delete next.budget_usd;
          else if (patch.budget_usd !== undefined) next.budget_usd = patch.budget_usd;
          if (patch.status !== undefined) {
            next.status = patch.status;
            delete next.blocked_by_dependencies;
          }
          // an open task with dependencies not done is blocked (and says why)
          const ready = patch.dependencies ? depsDone : !t.blocked_by_dependencies;
          if (ready === false && (next.status === 'pending' || next.status === 'in_progress' || next.blocked_by_dependencies)) {
            next.status = 'blocked';
            next.blocked_by_dependencies = true;
          } else if (ready && next.blocked_by_dependencies) {
            next.status = 'pending';
            delete next.blocked_by_dependencies;
          }
          if (JSON.stringify({ ...next, updatedAt: t.updatedAt }) === JSON.stringify(t)) return t;
          next.updatedAt = new Date().toISOString();
          return next;
        })
        .catch(failOnClientMistake);
      if (before === after) return after;
      const key = opKeyOf(job);
      const changed = Object.keys(patch).filter((k) => JSON.stringify((before as Record<string, unknown>)[k]) !== JSON.stringify((after as Record<string, unknown>)[k]));
      await flow.persist(after, key, `task ${taskId}: ${changed.join(', ') || 'status'} changed by ${requestedBy}`, requestedBy);
      await flow.publish(TASK_EVENT.updated, after, correlationId, { by: requestedBy, changes: Object.fromEntries(changed.map((k) => [k, [(before as Record<string, unknown>)[k] ?? null, (after as Record<string, unknown>)[k] ?? null]])) });
      if (requestedBy !== `agent:${after.agent_id}`) {
        await flow.notify(after.agent_id, key, `${requestedBy} changed your task. ${describe(after)}`, after.priority, { taskId });
      }
      if (after.status === 'done' && before.status !== 'done') await flow.unblockDependents(taskId, key, correlationId);
      env.logger.debug('task updated', { taskId, changed });
      return after;
    },

    [TASK_JOB.delegate]: async (job: Job<DelegateTaskJob>) => {
      const { taskId, to, note, requestedBy, correlationId } = job.data;
      let from = '';
      const { before, after } = await store
        .mutate(taskId, (t) => {
          if (t.agent_id === to) return t;
          from = t.agent_id;
          return { ...t, agent_id: to, delegated_from: t.agent_id, updatedAt: new Date().toISOString() };
        })
        .catch(failOnClientMistake);
      if (before === after) return after;
      const key = opKeyOf(job);
      await flow.persist(after, key, `task ${taskId} delegated from ${from} to ${to} by ${requestedBy}`, requestedBy, from);
      await flow.publish(TASK_EVENT.delegated, after, correlationId, { by: requestedBy, from, to, note: note ?? null });
      await flow.notify(to, key, `${requestedBy} delegated a task to you (it was ${from}'s). ${describe(after)}${note ? `\nNote: ${note}` : ''}`, after.priority, { taskId, delegatedFrom: from });
      return after;
    },

    [TASK_JOB.edited]: async (job: Job<EditedTaskJob>) => {
      // The registry already holds the person's edit; bring the index in line and act on it.
      const { agentId, kind, changes, eventId, correlationId } = job.data;
      const record = taskRecordSchema.parse(job.data.task);
      const previous = await store.get(record.id);
      const now = new Date().toISOString();
      const task = {
        description: '',
        dependencies: [],
        requested_by: 'user:markdown',
        created_at: typeof record.createdAt === 'string' ? record.createdAt : now,
        ...previous,
        ...record,
        agent_id: agentId,
      } as Task;
      delete (task as Record<string, unknown>).createdAt;
      if ('deadline' in changes || (kind === 'created' && record.deadline)) {
        if (task.deadline) Object.assign(task, deadlineFields(task.deadline));
        else delete task.deadline_at;
        delete task.deadline_passed_at;
      }
      if ('status' in changes) delete task.blocked_by_dependencies;
      if ('budget_usd' in changes && record.budget_usd === undefined) delete task.budget_usd;
      await store.put(task, previous);
      const key = `edit.${eventId}`;
      if (!previous || kind === 'created') await flow.publish(TASK_EVENT.created, task, correlationId, { by: 'markdown' });
      const what = Object.entries(changes)
        .map(([f, [a, b]]) => `${f}: ${String(a ?? '-')} → ${String(b ?? '-')}`)
        .join('; ');
      await flow.notify(agentId, key, kind === 'created' ? `A person added a task for you in tasks/${agentId}.md. ${describe(task)}` : `A person edited your task in tasks/${agentId}.md (${what}). ${describe(task)}`, task.priority, { taskId: task.id, source: 'markdown' });
      if (task.status === 'done' && previous?.status !== 'done') await flow.unblockDependents(task.id, key, correlationId);
      return task;
    },
  };
}
