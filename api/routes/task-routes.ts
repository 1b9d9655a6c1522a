import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { agentStoreFor, requireAgent } from '../../shared/agents/agent-store.js';
import { ForbiddenError } from '../../shared/errors/auth-errors.js';
import { ValidationError } from '../../shared/errors/validation-error.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { TASK_STATUSES } from '../../shared/registry/task-record.js';
import { createTaskClient } from '../tasks/task-client.js';
import { TASK_JOB, type CreateTaskJob, type DelegateTaskJob, type UpdateTaskJob } from '../../shared/tasks/task-jobs.js';
import { createTaskSchema, delegateTaskSchema, newTask, statusInputSchema, taskIdSchema, updateTaskSchema, type Task } from '../../shared/tasks/task-model.js';
import { createTaskStore } from '../../shared/tasks/task-store.js';
import type { Principal } from '../../shared/types.js';
import type { ApiDeps } from '../deps.js';
import { OPERATORS, PEOPLE } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

/**
 * /api/tasks: every change goes through the `tasks` queue (create, update, delegate) and
 * the answer is the task as the job left it. Reads come from the live index in Redis.
 * An agent acts as itself: it creates tasks as their requester, and changes or delegates
 * only tasks assigned to it or requested by it.
 */
const ACTORS = [...OPERATORS, 'agent'] as const;
const READERS = [...PEOPLE, 'agent'] as const;
const idParams = z.object({ id: taskIdSchema }).strict();
const listQuery = z
  .object({
    agent: z.string().regex(ID_PATTERN).optional(),
    status: statusInputSchema.optional(),
    limit: z.coerce.number().int().min(1).max(5000).default(500),
  })
  .strict();
const taskSchema = z.looseObject({ id: z.string(), agent_id: z.string(), title: z.string(), status: z.enum(TASK_STATUSES) });

export function taskRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const agents = agentStoreFor(ctx);
  const store = createTaskStore(ctx.redis, ctx.keys);
  const client = createTaskClient(ctx);

  const mayChange = (principal: Principal | undefined, task: Task): void => {
    if (principal?.role !== 'agent') return;
    const me = principal.agentId as string;
    if (task.agent_id !== me && task.requested_by !== `agent:${me}`) throw new ForbiddenError(`agent ${me} may only change its own tasks or tasks it asked for`);
  };
  const checkDependencies = async (ids: readonly string[], self?: string): Promise<void> => {
    if (self && ids.includes(self)) throw new ValidationError('a task cannot depend on itself', [{ path: 'body.dependencies', message: 'contains the task itself', code: 'self_dependency' }]);
    const found = await store.many(ids);
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length > 0) throw new ValidationError(`unknown dependencies: ${missing.join(', ')}`, [{ path: 'body.dependencies', message: `unknown task ids ${missing.join(', ')}`, code: 'unknown_task' }]);
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/tasks',
      summary: 'Create a task (blocked while its dependencies are not done); the assignee is told',
      tag: 'tasks',
      auth: ACTORS,
      body: createTaskSchema,
      status: 201,
      responses: { 201: { description: 'the task as created', schema: taskSchema } },
      handler: async ({ body, principal, correlationId }) => {
        await requireAgent(agents, body.agent_id);
        await checkDependencies(body.dependencies, body.id);
        const task = newTask(body, requester(principal));
        const data: CreateTaskJob = { task, correlationId, requestedBy: requester(principal) };
        return client.run(TASK_JOB.create, data, `create.${task.id}`, task.priority);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tasks',
      summary: 'Tasks, highest priority first; filter by agent and status',
      tag: 'tasks',
      auth: READERS,
      query: listQuery,
      handler: async ({ query }) => {
        const all = query.agent ? await store.byAgent(query.agent) : await store.all(query.limit);
        return { tasks: all.filter((t) => !query.status || t.status === query.status).slice(0, query.limit) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tasks/:id',
      summary: 'One task',
      tag: 'tasks',
      auth: READERS,
      params: idParams,
      handler: async ({ params }) => store.require(params.id),
    }),
    defineRoute({
      method: 'patch',
      path: '/api/tasks/:id',
      summary: 'Change a task (status, priority, deadline, dependencies...); done unblocks its dependents',
      tag: 'tasks',
      auth: ACTORS,
      params: idParams,
      body: updateTaskSchema,
      handler: async ({ params, body, principal, correlationId }) => {
        const task = await store.require(params.id);
        mayChange(principal, task);
        if (body.dependencies) await checkDependencies(body.dependencies, params.id);
        const data: UpdateTaskJob = { taskId: params.id, patch: body, correlationId, requestedBy: requester(principal) };
        return client.run(TASK_JOB.update, data, `update.${params.id}.${randomUUID()}`, body.priority ?? task.priority);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/tasks/:id/delegate',
      summary: 'Give a task to another agent; that agent is told',
      tag: 'tasks',
      auth: ACTORS,
      params: idParams,
      body: delegateTaskSchema,
      handler: async ({ params, body, principal, correlationId }) => {
        const task = await store.require(params.id);
        mayChange(principal, task);
        await requireAgent(agents, body.to);
        const data: DelegateTaskJob = { taskId: params.id, to: body.to, ...(body.note ? { note: body.note } : {}), correlationId, requestedBy: requester(principal) };
        return client.run(TASK_JOB.delegate, data, `delegate.${params.id}.${randomUUID()}`, task.priority);
      },
    }),
  ];
}
