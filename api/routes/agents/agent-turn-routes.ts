import { z } from 'zod';
import { AGENT_JOB, type TurnJob } from '../../../shared/agents/agent-jobs.js';
import { agentStoreFor, requireAgent } from '../../../shared/agents/agent-store.js';
import { readRuntime } from '../../../shared/agents/runtime-state.js';
import { mayCharge } from '../../../shared/costs/task-attribution.js';
import { checkTaskBudget } from '../../../shared/costs/task-budget.js';
import { AgentOverBudgetError, BudgetReachedError, TaskBudgetReachedError } from '../../../shared/errors/agent-errors.js';
import { ValidationError } from '../../../shared/errors/validation-error.js';
import { taskIdSchema } from '../../../shared/tasks/task-model.js';
import { createTaskStore } from '../../../shared/tasks/task-store.js';
import { NotOwnAgentError } from '../../../shared/errors/auth-errors.js';
import { PRIORITY } from '../../../shared/queues/priority.js';
import { sendHostCommand } from '../../agents/host-command.js';
import type { ApiDeps } from '../../deps.js';
import { ownAgent } from '../../http/agent-scope.js';
import { requester } from '../../http/requester.js';
import { defineRoute, type RouteSpec } from '../../http/route.js';
import { CREATORS, idParams } from './agent-views.js';

/**
 * Talking to an agent: a user turn, queued on the owning host until the agent's current
 * turn ends. Operators may talk to any agent; an agent to itself and its own children.
 * An agent over its budget takes no new turns (409); nor does a task over its budget
 * (`task_id`: the turn works for that task, docs/AGENTS.md "Budgets per task").
 */
const turnBody = z.object({ text: z.string().min(1).max(200_000), task_id: taskIdSchema.optional() }).strict();

export function agentTurnRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const store = agentStoreFor(ctx);
  const tasks = createTaskStore(ctx.redis, ctx.keys);

  /** the task a direct turn names: one the caller may charge (400 otherwise), with room in its budget (409 otherwise) */
  const chargeable = async (taskId: string, by: string): Promise<void> => {
    const task = await tasks.get(taskId);
    if (!task || !(await mayCharge(store, by, task))) throw new ValidationError(`no task ${taskId} this turn may work for`, [{ path: 'body.task_id', message: 'not a task yours (or your ancestors’) to charge', code: 'custom' }]);
    const verdict = await checkTaskBudget(ctx.redis, ctx.keys, task);
    if (!verdict.ok) throw new TaskBudgetReachedError(taskId, verdict.reason, { spentUsd: verdict.spentUsd, budgetUsd: verdict.budgetUsd });
  };

  return [
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/turn',
      summary: 'Send the agent a user turn (queued until its current turn ends)',
      tag: 'agents',
      auth: CREATORS,
      params: idParams,
      body: turnBody,
      status: 202,
      handler: async ({ params, body, principal, correlationId }) => {
        const agent = await requireAgent(store, params.id);
        const me = ownAgent(principal);
        if (me !== undefined && agent.parent !== me && agent.id !== me) throw new NotOwnAgentError(me, agent.id, 'the turns (only itself and its own children)');
        const runtime = await readRuntime(ctx.redis, ctx.keys, params.id);
        if (runtime?.status === 'over-budget') {
          // its own budget, or one it shares (its spawn subtree's, the fleet's day: the reason says)
          if (agent.max_budget_usd !== undefined && runtime.costUsd >= agent.max_budget_usd) throw new AgentOverBudgetError(params.id, runtime.costUsd, agent.max_budget_usd);
          throw new BudgetReachedError(params.id, runtime.reason ?? 'a shared budget is spent');
        }
        if (body.task_id) await chargeable(body.task_id, requester(principal));
        const data: TurnJob = { agentId: params.id, text: body.text, ...(body.task_id ? { taskId: body.task_id } : {}), correlationId, requestedBy: requester(principal) };
        return { id: params.id, ...(await sendHostCommand(ctx, params.id, AGENT_JOB.turn, data, PRIORITY.normal)) };
      },
    }),
  ];
}
