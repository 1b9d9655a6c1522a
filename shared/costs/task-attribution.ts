import type { AgentStore } from '../agents/agent-store-contract.js';
import { TASK_ID_PATTERN } from '../registry/task-record.js';
import type { Task } from '../tasks/task-model.js';

/**
 * Which turns count for a task (docs/AGENTS.md, "Budgets per task"). A turn works for at
 * most one task: the one its message names in `metadata.taskId` (the task workflow's own
 * messages to the assignee — created, delegated, changed, unblocked, deadline passed — name
 * theirs), or a direct turn's `task_id`. The naming counts when the sender may charge the
 * task:
 *
 * - a person or the system: any task;
 * - an agent: a task assigned to it or asked for by it, or a task assigned to one of its
 *   ancestors — so the assignee's children, grandchildren... work for it when the message
 *   that asks them names it (a child passing the work on names it again).
 *
 * Any other naming (no such task, another agent's task) is ignored: the turn counts for no
 * task. So an agent can neither spend a task it has nothing to do with, nor dodge its own
 * task's budget other than by not naming it — which leaves that turn under the budgets of
 * the agent, its spawn subtree and the fleet's day all the same.
 */
export function namedTask(metadata: Record<string, unknown> | undefined): string | undefined {
  const named = metadata?.taskId ?? metadata?.task_id;
  return typeof named === 'string' && TASK_ID_PATTERN.test(named) ? named : undefined;
}

/** Whether `from` (`system`, `user:<name>`, `agent:<id>`) may charge its recipient's turn to `task`. */
export async function mayCharge(agents: Pick<AgentStore, 'get'>, from: string, task: Task): Promise<boolean> {
  if (!from.startsWith('agent:')) return from === 'system' || from.startsWith('user:');
  const me = from.slice('agent:'.length);
  if (task.agent_id === me || task.requested_by === from) return true;
  // the sender's ancestors, nearest first; a cycle in bad data or a chain past 100 ends the walk
  const seen = new Set([me]);
  for (let id = (await agents.get(me))?.parent; id && !seen.has(id) && seen.size <= 100; id = (await agents.get(id))?.parent) {
    if (id === task.agent_id) return true;
    seen.add(id);
  }
  return false;
}
