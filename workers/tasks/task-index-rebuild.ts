import type { Logger } from '../../shared/logger.js';
import type { RegistryClient } from '../../shared/registry/registry-client.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { Task } from '../../shared/tasks/task-model.js';
import type { TaskStore } from '../../shared/tasks/task-store.js';

/**
 * Brings the live task index back from the registry after Redis lost it (a restart without
 * persistence, a flush): when the index is empty, every `agents/<id>/tasks.toml` is read and
 * each task put back — status, dependencies (so dependents unblock again), deadlines still
 * to watch. Several hosts starting at once do no harm: a task already in the index (created
 * meanwhile, or put by another host) is left as it is.
 * Returns how many tasks were put back (0 when the index was not empty).
 */
export async function rebuildTaskIndex(ctx: NoxContext, store: TaskStore, registry: RegistryClient, logger: Logger): Promise<number> {
  if ((await ctx.redis.exists(ctx.keys.taskIndex())) === 1) return 0;
  let restored = 0;
  const now = new Date().toISOString();
  // through the reader: the folder, or on a machine without it what the writer published (docs/HOSTS.md)
  for (const agentId of registry.reader.agentFolders()) {
    let records;
    try {
      records = registry.read.agentTasks(agentId);
    } catch (err) {
      logger.warn('task index rebuild: skipping an agent whose tasks.toml does not read', { agentId, error: (err as Error).message });
      continue;
    }
    for (const record of records) {
      const { createdAt, ...rest } = record as typeof record & { createdAt?: unknown };
      const task = {
        description: '',
        dependencies: [],
        requested_by: 'user:registry',
        created_at: typeof createdAt === 'string' ? createdAt : now,
        ...rest,
        agent_id: agentId,
      } as Task;
      if ((await store.create(task)).created) restored++;
    }
  }
  if (restored > 0) logger.info('task index rebuilt from the registry', { tasks: restored });
  return restored;
}
