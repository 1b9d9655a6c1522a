import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';
import { TaskMarkdownError } from '../../shared/errors/registry-errors.js';
import { isValidId } from '../../shared/ids.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import { REGISTRY_EVENT } from '../../shared/registry/changes.js';
import { files, relativePathOf } from '../../shared/registry/layout.js';
import { createRegistryClient, type RegistryClient } from '../../shared/registry/registry-client.js';
import { diffTasks, parseTasksMarkdown } from '../../shared/registry/task-markdown.js';
import { taskRecordSchema, type TaskRecord } from '../../shared/registry/task-record.js';
import { parseRegistryToml, readText } from '../../shared/registry/toml-io.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import { TASK_EVENT } from '../../shared/tasks/task-jobs.js';
import { contentHash, type WriterState } from './writer-state.js';

/**
 * Watches tasks/*.md (chokidar). A person's edit becomes a registry change (tasks.toml
 * updated, the markdown re-rendered with ids, one commit) and then `task.created` /
 * `task.updated` events with `source: "markdown"`. The writer's own writes are not
 * echoed: their content hash is remembered and matching contents are skipped. A
 * malformed edit publishes `task.edit-error` (file, line, message) and changes nothing:
 * tasks.toml keeps the last good state and the person's text stays for them to fix.
 */
export interface TaskWatcher {
  readonly lastError: Error | undefined;
  /** edits applied, edits refused, own writes skipped */
  readonly counts: { applied: number; refused: number; skipped: number };
  /** resolves when every edit seen so far has been handled (tests) */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export async function startTaskWatcher(ctx: NoxContext, state: WriterState, parent: Logger): Promise<TaskWatcher> {
  const logger = parent.child({ component: 'task-watcher' });
  const dir = path.join(state.dir, 'tasks');
  mkdirSync(dir, { recursive: true });
  const client: RegistryClient = createRegistryClient(ctx);
  const counts = { applied: 0, refused: 0, skipped: 0 };
  let lastError: Error | undefined;
  let chain: Promise<void> = Promise.resolve();

  const handle = async (abs: string): Promise<void> => {
    const name = path.basename(abs);
    const agentId = name.replace(/\.md$/, '');
    if (!name.endsWith('.md') || !isValidId(agentId)) return;
    const rel = relativePathOf(files.tasksMarkdown(agentId));
    const text = readText(state.dir, rel);
    if (text === undefined) return;
    if (state.ownTaskWrites.get(rel) === contentHash(text)) {
      counts.skipped++;
      return;
    }
    const tasksRel = relativePathOf(files.agentTasks(agentId));
    try {
      const parsed = parseTasksMarkdown(text);
      const tomlText = readText(state.dir, tasksRel);
      const current = ((tomlText ? (parseRegistryToml(tomlText, tasksRel, 'agent-tasks').tasks as unknown[]) : undefined) ?? []).map((t) => taskRecordSchema.parse(t)) as TaskRecord[];
      const edits = diffTasks(current, parsed);
      if (edits.length === 0) {
        counts.skipped++;
        return;
      }
      const result = await client.change(
        {
          message: `apply a person's edit of ${rel}: ${edits.map((e) => `${e.kind} ${e.task.id}`).join(', ').slice(0, 150)}`,
          changes: edits.map((e) => ({ op: 'upsert' as const, file: files.agentTasks(agentId), key: ['tasks'], item: e.task })),
        },
        'system',
      );
      counts.applied++;
      for (const e of edits) {
        await ctx.events.publish({
          type: e.kind === 'created' ? TASK_EVENT.created : REGISTRY_EVENT.taskEdit,
          agentId,
          taskId: e.task.id,
          correlationId: result.changeId,
          data: { source: 'markdown', file: rel, kind: e.kind, task: e.task, changes: e.changes, sha: result.sha },
        });
      }
    } catch (err) {
      counts.refused++;
      const line = err instanceof TaskMarkdownError ? err.line : ((err as { line?: number }).line ?? null);
      logger.warn('refused an edit of a tasks file', { file: rel, ...errorFields(err) });
      await ctx.events
        .publish({ type: REGISTRY_EVENT.taskEditError, agentId, data: { file: rel, line, message: (err as Error).message } })
        .catch((e: unknown) => (lastError = e as Error));
    }
  };

  const enqueue = (abs: string): void => {
    chain = chain.then(() => handle(abs)).catch((err: unknown) => {
      lastError = err as Error;
      logger.error('tasks file handling failed', errorFields(err));
    });
  };

  const watcher: FSWatcher = watch(dir, {
    ignoreInitial: true,
    depth: 0,
    // Wait until an editor has finished writing (several writes, or write-then-rename).
    awaitWriteFinish: { stabilityThreshold: 150, pollInterval: 50 },
  });
  watcher.on('add', enqueue);
  watcher.on('change', enqueue);
  watcher.on('error', (err) => {
    lastError = err as Error;
    logger.warn('tasks watcher error', errorFields(err));
  });
  await new Promise<void>((resolve) => watcher.once('ready', () => resolve()));

  return {
    counts,
    get lastError() {
      return lastError;
    },
    idle: () => chain,
    async close() {
      await watcher.close();
      await chain;
      await client.close();
    },
  };
}
