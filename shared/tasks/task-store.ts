import type { Redis } from 'ioredis';
import { ERROR_CODE } from '../errors/codes.js';
import { NotFoundError } from '../errors/not-found-error.js';
import type { Keys } from '../keys.js';
import { isOpen, type Task } from './task-model.js';

/**
 * The live index of tasks in Redis: one JSON string per task, the set of each agent's
 * tasks, each task's dependents, and the deadlines still to watch. The registry keeps the
 * durable copy (tasks.toml / tasks/<agent>.md); this index is what the workflow decides on.
 *
 * `mutate` is a read-modify-write with compare-and-set, retried when another worker changed
 * the task meanwhile, so two jobs on the same task never lose each other's change.
 */
export interface TaskStore {
  get(taskId: string): Promise<Task | undefined>;
  require(taskId: string): Promise<Task>;
  many(taskIds: readonly string[]): Promise<Map<string, Task>>;
  /** creates it unless it exists; returns the stored task and whether it was new */
  create(task: Task): Promise<{ task: Task; created: boolean }>;
  /** applies `change` to the current task atomically; `change` may return the same object for no-op */
  mutate(taskId: string, change: (task: Task) => Task): Promise<{ before: Task; after: Task }>;
  /** a task as the registry now holds it (a person's edit), written over the index */
  put(task: Task, previous?: Task): Promise<void>;
  byAgent(agentId: string): Promise<Task[]>;
  all(limit?: number): Promise<Task[]>;
  dependents(taskId: string): Promise<string[]>;
  /** ids whose deadline is at or before `now` */
  dueBefore(now: number): Promise<string[]>;
  /** true for exactly one caller per task (the deadline is reported once) */
  claimDeadline(taskId: string): Promise<boolean>;
}

export function taskNotFound(taskId: string): NotFoundError {
  return new NotFoundError(`no task ${taskId}`, ERROR_CODE.taskNotFound);
}

export function createTaskStore(redis: Redis, keys: Keys): TaskStore {
  const parse = (json: string | null): Task | undefined => (json ? (JSON.parse(json) as Task) : undefined);

  const indexOps = (multi: ReturnType<Redis['multi']>, task: Task, previous?: Task): void => {
    multi.set(keys.task(task.id), JSON.stringify(task));
    multi.zadd(keys.taskIndex(), Date.parse(task.created_at) || Date.now(), task.id);
    if (previous && previous.agent_id !== task.agent_id) multi.srem(keys.agentTaskIds(previous.agent_id), task.id);
    multi.sadd(keys.agentTaskIds(task.agent_id), task.id);
    for (const dep of previous?.dependencies ?? []) if (!task.dependencies.includes(dep)) multi.srem(keys.taskDependents(dep), task.id);
    for (const dep of task.dependencies) multi.sadd(keys.taskDependents(dep), task.id);
    if (task.deadline_at && isOpen(task.status) && !task.deadline_passed_at) multi.zadd(keys.taskDeadlines(), Date.parse(task.deadline_at), task.id);
    else multi.zrem(keys.taskDeadlines(), task.id);
    // after the task's JSON is written (create: SET NX first; mutate: the CAS first): a list
    // read after its ETag was computed is never older than the tag (api/tasks/task-list.ts)
    multi.incr(keys.taskListVersion());
  };

  const store: TaskStore = {
    async get(taskId) {
      return parse(await redis.get(keys.task(taskId)));
    },
    async require(taskId) {
      const t = await store.get(taskId);
      if (!t) throw taskNotFound(taskId);
      return t;
    },
    async many(taskIds) {
      const out = new Map<string, Task>();
      if (taskIds.length === 0) return out;
      const values = await redis.mget(...taskIds.map((id) => keys.task(id)));
      values.forEach((v, i) => {
        const t = parse(v);
        if (t) out.set(taskIds[i]!, t);
      });
      return out;
    },
    async create(task) {
      const json = JSON.stringify(task);
      if ((await redis.set(keys.task(task.id), json, 'NX')) !== 'OK') {
        // a retried job, or an id sent twice: the first one stands
        return { task: (await store.require(task.id)) as Task, created: false };
      }
      const multi = redis.multi();
      indexOps(multi, task);
      await multi.exec();
      return { task, created: true };
    },
    async mutate(taskId, change) {
      // Compare-and-set on the JSON text (WATCH would not be safe on a shared connection).
      for (;;) {
        const current = await redis.get(keys.task(taskId));
        const before = parse(current);
        if (!before) throw taskNotFound(taskId);
        const after = change(structuredClone(before));
        const next = JSON.stringify(after);
        if (next === current) return { before, after: before };
        const swapped = (await redis.eval(CAS, 1, keys.task(taskId), current as string, next)) as number;
        if (swapped !== 1) continue;
        const multi = redis.multi();
        indexOps(multi, after, before);
        await multi.exec();
        return { before, after };
      }
    },
    async put(task, previous) {
      const multi = redis.multi();
      indexOps(multi, task, previous);
      await multi.exec();
    },
    async byAgent(agentId) {
      const ids = await redis.smembers(keys.agentTaskIds(agentId));
      return sortTasks([...(await store.many(ids)).values()].filter((t) => t.agent_id === agentId));
    },
    async all(limit = 5000) {
      const ids = await redis.zrevrange(keys.taskIndex(), 0, limit - 1);
      return sortTasks([...(await store.many(ids)).values()]);
    },
    dependents: (taskId) => redis.smembers(keys.taskDependents(taskId)),
    dueBefore: (now) => redis.zrangebyscore(keys.taskDeadlines(), '-inf', now),
    async claimDeadline(taskId) {
      return (await redis.zrem(keys.taskDeadlines(), taskId)) === 1;
    },
  };
  return store;
}

const CAS = `if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2]) return 1 end return 0`;

const PRIORITY_ORDER: Record<string, number> = { critical: 0, high: 1, normal: 2, low: 3 };

/** Highest priority first, then oldest first. */
/** A task's place in the list order as one sortable string: its priority band, then its creation time (for keyset cursors). */
export function taskSortKey(t: Task): string {
  return `${PRIORITY_ORDER[t.priority] ?? 2}|${t.created_at}`;
}

export function sortTasks(tasks: Task[]): Task[] {
  return tasks.sort((a, b) => (PRIORITY_ORDER[a.priority] ?? 2) - (PRIORITY_ORDER[b.priority] ?? 2) || a.created_at.localeCompare(b.created_at));
}
