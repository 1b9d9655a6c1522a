import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { agentStoreFor, requireAgent } from '../../shared/agents/agent-store.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { readTaskUsage } from '../../shared/costs/task-usage.js';
import { ForbiddenError } from '../../shared/errors/auth-errors.js';
import { ConflictError } from '../../shared/errors/service-errors.js';
import { ValidationError } from '../../shared/errors/validation-error.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { TASK_PRIORITIES, TASK_STATUSES } from '../../shared/registry/task-record.js';
import { createTaskClient } from '../tasks/task-client.js';
import { listTasks, taskListVersion } from '../tasks/task-list.js';
import { TASK_JOB, type CreateTaskJob, type DelegateTaskJob, type UpdateTaskJob } from '../../shared/tasks/task-jobs.js';
import { createTaskSchema, delegateTaskSchema, newTask, statusInputSchema, taskIdSchema, updateTaskSchema, type Task } from '../../shared/tasks/task-model.js';
import { createTaskStore, sortTasks, taskNotFound } from '../../shared/tasks/task-store.js';
import type { Principal } from '../../shared/types.js';
import type { ApiDeps } from '../deps.js';
import { ownAgent } from '../http/agent-scope.js';
import { OPERATORS, PEOPLE } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

/**
 * /api/tasks: every change goes through the `tasks` queue (create, update, delegate) and
 * the answer is the task as the job left it. Reads come from the live index in Redis.
 * An agent acts as itself: it creates tasks as their requester, and reads, changes or
 * delegates only tasks assigned to it or requested by it. Any other task answers 404
 * `ERROR_CODE.taskNotFound`, as if it did not exist (a task is addressed by its own id, so
 * "not yours" would say it exists); lists leave them out, and a dependency on one is an
 * unknown dependency. A task's `budget_usd` is set by people only (an agent's 403): it caps
 * what the turns done for the task cost (docs/AGENTS.md, "Budgets per task"); every task
 * read answers its `usage` so far (`costUsd`, `turns`, `byAgent`).
 */
const ACTORS = [...OPERATORS, 'agent'] as const;
const READERS = [...PEOPLE, 'agent'] as const;
const idParams = z.object({ id: taskIdSchema }).strict();
/** `a,b` or `?x=a&x=b`: a list */
const many = <T extends z.ZodType<unknown, string>>(item: T) =>
  z
    .union([z.string(), z.array(z.string())])
    .transform((v) => (Array.isArray(v) ? v : [v]).flatMap((s) => s.split(',')).filter((s) => s !== ''))
    .pipe(z.array(item).max(20));
const listQuery = z
  .object({
    agent: z.string().regex(ID_PATTERN).optional(),
    /** any of these statuses (`todo`, `in-progress` accepted) */
    status: many(statusInputSchema).optional(),
    priority: many(z.enum(TASK_PRIORITIES)).optional(),
    /** who asked for it: `user:<name>`, `agent:<id>`, `markdown`... */
    requested_by: z.string().min(1).max(200).optional(),
    /** text in the id or the title */
    q: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(5000).default(500),
    /** the previous page’s `next` (issue 21): a keyset on (priority, creation time, id), stable while tasks are added */
    cursor: z.string().max(2000).optional(),
  })
  .strict();
const taskListView = z.object({ tasks: z.array(z.looseObject({ id: z.string() })), next: z.string().nullable(), total: z.number(), counts: z.record(z.string(), z.number()) });
const taskSchema = z.looseObject({ id: z.string(), agent_id: z.string(), title: z.string(), status: z.enum(TASK_STATUSES) });

export function taskRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const agents = agentStoreFor(ctx);
  const store = createTaskStore(ctx.redis, ctx.keys);
  const client = createTaskClient(ctx);

  const mayRead = (principal: Principal | undefined, task: Task): boolean => {
    const me = ownAgent(principal);
    return me === undefined || task.agent_id === me || task.requested_by === `agent:${me}`;
  };
  /** the task, if this principal may read it (and so change it); 404 otherwise */
  const readable = async (principal: Principal | undefined, id: string): Promise<Task> => {
    const task = await store.get(id);
    if (!task || !mayRead(principal, task)) throw taskNotFound(id);
    return task;
  };
  /** an agent's tasks: assigned to it, or asked for by it (among the newest 5000) */
  const tasksOf = async (me: string): Promise<Task[]> => {
    const own = await store.byAgent(me);
    const ids = new Set(own.map((t) => t.id));
    const asked = (await store.all()).filter((t) => t.requested_by === `agent:${me}` && !ids.has(t.id));
    return sortTasks([...own, ...asked]);
  };
  /** an agent may not set or change a task's budget, its own least of all */
  const budgetByPerson = (principal: Principal | undefined, body: { budget_usd?: number | null }): void => {
    if (body.budget_usd !== undefined && ownAgent(principal) !== undefined) throw new ForbiddenError('A task’s budget is set by a person, not an agent');
  };
  /** the tasks with what their turns have cost so far */
  const withUsage = async (list: Task[]): Promise<(Task & { usage: { costUsd: number; turns: number; byAgent: Record<string, number> } })[]> => {
    const usage = await readTaskUsage(ctx.redis, ctx.keys, list.map((t) => t.id));
    return list.map((t) => {
      const u = usage.get(t.id);
      return { ...t, usage: { costUsd: u?.costUsd ?? 0, turns: u?.turns ?? 0, byAgent: u?.byAgent ?? {} } };
    });
  };
  const checkDependencies = async (principal: Principal | undefined, ids: readonly string[], self?: string): Promise<void> => {
    if (self && ids.includes(self)) throw new ValidationError('a task cannot depend on itself', [{ path: 'body.dependencies', message: 'contains the task itself', code: 'self_dependency' }]);
    const found = await store.many(ids);
    const missing = ids.filter((id) => !found.has(id) || !mayRead(principal, found.get(id)!));
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
        budgetByPerson(principal, body);
        await requireAgent(agents, body.agent_id);
        await checkDependencies(principal, body.dependencies, body.id);
        // The create job answers with the task already stored under a taken id: another's, for an agent, it must not read.
        const taken = body.id ? await store.get(body.id) : undefined;
        if (taken && !mayRead(principal, taken)) throw new ConflictError(`a task with id ${body.id} exists already`, ERROR_CODE.taskExists);
        const task = newTask(body, requester(principal));
        const data: CreateTaskJob = { task, correlationId, requestedBy: requester(principal) };
        return client.run(TASK_JOB.create, data, `create.${task.id}`, task.priority);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tasks',
      summary:
        'Tasks, highest priority first (then oldest): a page (`limit`, `cursor` = the previous page’s `next`), filtered by agent, status, priority, requester and `q` (text in id or title); `total` and `counts` by status (every filter but the status one). ETag / If-None-Match → 304 while nothing changed. An agent sees the tasks assigned to it or asked for by it',
      tag: 'tasks',
      auth: READERS,
      query: listQuery,
      responses: { 200: { description: 'one page of the tasks', schema: taskListView }, 304: { description: 'the list is as the If-None-Match tag says' } },
      handler: async ({ query, principal }, req, res) => {
        const me = ownAgent(principal);
        const tag = await taskListVersion(ctx.redis, ctx.keys, `${principal?.role ?? ''}:${me ?? ''}:${req.url.split('?')[1] ?? ''}`);
        res.setHeader('ETag', tag);
        res.setHeader('Cache-Control', 'private, no-cache');
        if (req.headers['if-none-match'] === tag) return void res.status(304).end();
        const all = query.agent ? await store.byAgent(query.agent) : me !== undefined ? await tasksOf(me) : await store.all();
        const page = listTasks(
          all.filter((t) => mayRead(principal, t)),
          { status: query.status, priority: query.priority, requestedBy: query.requested_by, q: query.q, limit: query.limit, cursor: query.cursor },
        );
        return { ...page, tasks: await withUsage(page.tasks) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/tasks/:id',
      summary: 'One task',
      tag: 'tasks',
      auth: READERS,
      params: idParams,
      handler: async ({ params, principal }) => (await withUsage([await readable(principal, params.id)]))[0],
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
        budgetByPerson(principal, body);
        const task = await readable(principal, params.id);
        if (body.dependencies) await checkDependencies(principal, body.dependencies, params.id);
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
        const task = await readable(principal, params.id);
        await requireAgent(agents, body.to);
        const data: DelegateTaskJob = { taskId: params.id, to: body.to, ...(body.note ? { note: body.note } : {}), correlationId, requestedBy: requester(principal) };
        return client.run(TASK_JOB.delegate, data, `delegate.${params.id}.${randomUUID()}`, task.priority);
      },
    }),
  ];
}
