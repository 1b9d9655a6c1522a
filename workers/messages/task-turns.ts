import { agentStoreFor } from '../../shared/agents/agent-store.js';
import { mayCharge, namedTask } from '../../shared/costs/task-attribution.js';
import type { TaskBudgetReachedError } from '../../shared/errors/agent-errors.js';
import type { Logger } from '../../shared/logger.js';
import type { Message } from '../../shared/messages/message-model.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { TASK_EVENT } from '../../shared/tasks/task-jobs.js';
import { createTaskStore } from '../../shared/tasks/task-store.js';
import type { BudgetGuard } from '../agents/budget-guard.js';
import { createTaskParking } from './task-parking.js';

/**
 * The deliverer's side of task budgets (docs/AGENTS.md, "Budgets per task"): which task each
 * message's turn counts for (shared/costs/task-attribution.ts), setting aside the messages
 * of a task whose budget is spent (task-parking.ts) with a `task.budget-reached` event once
 * per hold, and putting them back when it has room again (`task.budget-released`).
 */
export interface TaskTurns {
  /** message id → the task its turn counts for; messages naming no task (or one they may not charge) are absent */
  tasksOf(messages: readonly Message[]): Promise<Map<string, string>>;
  /** the turn's task is over budget: its messages go aside, the hold is announced once */
  park(agentId: string, messages: readonly Message[], refusal: TaskBudgetReachedError): Promise<void>;
  /** puts back the messages of held tasks that have room again; answers the agents that got mail */
  releaseRoomy(): Promise<string[]>;
}

export function createTaskTurns(ctx: NoxContext, guard: BudgetGuard, logger: Logger): TaskTurns {
  const tasks = createTaskStore(ctx.redis, ctx.keys);
  const agents = agentStoreFor(ctx);
  const parking = createTaskParking(ctx.redis, ctx.keys);

  return {
    async tasksOf(messages) {
      const out = new Map<string, string>();
      const named = messages.map((m) => [m, namedTask(m.metadata)] as const).filter((e): e is readonly [Message, string] => e[1] !== undefined);
      if (named.length === 0) return out;
      const found = await tasks.many([...new Set(named.map(([, id]) => id))]);
      for (const [m, id] of named) {
        const task = found.get(id);
        if (task && (await mayCharge(agents, m.from, task))) out.set(m.id, id);
        else logger.info('a message names a task its sender may not charge: its turn counts for no task', { messageId: m.id, from: m.from, taskId: id });
      }
      return out;
    },
    async park(agentId, messages, refusal) {
      let announce = false;
      for (const m of messages) if (await parking.park(agentId, m.id, refusal.taskId)) announce = true;
      logger.info('messages set aside: their task’s budget is spent', { agentId, taskId: refusal.taskId, messages: messages.map((m) => m.id) });
      if (!announce) return;
      await ctx.events.publish({ type: TASK_EVENT.budgetReached, agentId, taskId: refusal.taskId, correlationId: messages[0]?.id, data: { ...refusal.extensions, reason: refusal.message, messages: messages.map((m) => m.id) } });
    },
    async releaseRoomy() {
      const woken = new Set<string>();
      for (const taskId of await parking.held()) {
        if (!(await guard.checkTask(taskId)).ok) continue;
        const { agents: mailed, released } = await parking.unpark(taskId);
        for (const id of mailed) woken.add(id);
        if (released) await ctx.events.publish({ type: TASK_EVENT.budgetReleased, taskId, data: { taskId, agents: mailed } });
      }
      return [...woken];
    },
  };
}
