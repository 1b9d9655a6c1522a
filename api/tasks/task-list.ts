import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Keys } from '../../shared/keys.js';
import { TASK_STATUSES, type TaskStatus } from '../../shared/registry/task-record.js';
import type { Task } from '../../shared/tasks/task-model.js';
import { taskSortKey } from '../../shared/tasks/task-store.js';
import { pageOf } from '../http/list-cursor.js';

/**
 * The tasks list (issue 21, as GET /api/agents): filter, count by status, page by a keyset
 * cursor on (priority band, creation time, id) — a task created during a walk lands
 * before the cursor or after it, so a walk never skips nor repeats one (as long as no
 * task's priority changes under it) — and an ETag that costs one GET.
 */
export interface TaskListQuery {
  /** any of these statuses */
  status?: TaskStatus[];
  /** any of these priorities */
  priority?: string[];
  /** who asked for it (`user:<name>`, `agent:<id>`) */
  requestedBy?: string;
  /** case-insensitive text in the id or the title */
  q?: string;
  limit: number;
  cursor?: string;
}

export interface TaskListPage {
  tasks: Task[];
  next: string | null;
  /** tasks matching every filter */
  total: number;
  /** tasks matching every filter but the status one, by status (every status, 0 included) */
  counts: Record<TaskStatus, number>;
}

/** One page of the readable tasks (the agent filter and the reader's scope are applied by the caller). */
export function listTasks(readable: readonly Task[], query: TaskListQuery): TaskListPage {
  const text = query.q?.toLowerCase();
  const priorities = query.priority ? new Set(query.priority) : undefined;
  const filtered = readable.filter(
    (t) =>
      (priorities === undefined || priorities.has(t.priority)) &&
      (query.requestedBy === undefined || t.requested_by === query.requestedBy) &&
      (text === undefined || t.id.includes(text) || t.title.toLowerCase().includes(text)),
  );
  const counts = Object.fromEntries(TASK_STATUSES.map((s) => [s, 0])) as Record<TaskStatus, number>;
  for (const t of filtered) counts[t.status] = (counts[t.status] ?? 0) + 1;
  const statuses = query.status ? new Set<string>(query.status) : undefined;
  const matching = statuses === undefined ? filtered : filtered.filter((t) => statuses.has(t.status));
  const page = pageOf(matching, { sort: 'priority', desc: false, limit: query.limit, cursor: query.cursor, keyOf: taskSortKey, idOf: (t) => t.id });
  return { tasks: page.items, next: page.next, total: matching.length, counts };
}

/**
 * The list's ETag without reading the list: the tasks' version counter (bumped in the
 * same MULTI as every index write and every usage write, after the task itself is
 * written: shared/tasks/task-store.ts, shared/costs/task-usage.ts) and the scope (who
 * asks, and the query). A list read after the tag is computed is never older than the tag.
 */
export async function taskListVersion(redis: Redis, keys: Keys, scope: string): Promise<string> {
  const version = (await redis.get(keys.taskListVersion())) ?? '0';
  return `W/"t${version}-${createHash('sha1').update(scope).digest('base64url').slice(0, 16)}"`;
}
