import type { Command } from 'commander';

/**
 * `nox task add|list|done|delegate` — a thin client of /api/tasks. bin/api-client.ts finds the
 * API and the token.
 */
import { apiClient, type ApiClient } from '../api-client.js';
import { followPages } from '../follow-pages.js';

interface TaskRow {
  id: string;
  agent_id: string;
  title: string;
  status: string;
  priority: string;
  deadline_at?: string;
  dependencies?: string[];
}

const out = (line: string): boolean => process.stdout.write(`${line}\n`);
const row = (t: TaskRow): string =>
  [t.id, t.agent_id, t.status, t.priority, t.deadline_at ?? '-', t.title, t.dependencies?.length ? `after ${t.dependencies.join(',')}` : ''].filter((x) => x !== '').join('\t');

export function registerTaskCommand(program: Command): void {
  const task = program.command('task').description('Tasks: add, list, finish, delegate').option('--url <url>', 'API base URL');
  const api = (): ApiClient => apiClient((task.opts() as { url?: string }).url);

  task
    .command('add <agent> <title...>')
    .description('Create a task for an agent')
    .option('-d, --description <text>')
    .option('-p, --priority <priority>', 'critical | high | normal | low', 'normal')
    .option('--due <date>', 'deadline: YYYY-MM-DD or an ISO date-time')
    .option('--after <ids>', 'comma-separated task ids it depends on')
    .option('--json', 'print the task as JSON')
    .action(async (agent: string, title: string[], o: { description?: string; priority: string; due?: string; after?: string; json?: boolean }) => {
      const t = await api().call<TaskRow>('POST', '/api/tasks', {
        agent_id: agent,
        title: title.join(' '),
        priority: o.priority,
        ...(o.description ? { description: o.description } : {}),
        ...(o.due ? { deadline: o.due } : {}),
        ...(o.after ? { dependencies: o.after.split(',').map((s) => s.trim()).filter(Boolean) } : {}),
      });
      out(o.json ? JSON.stringify(t) : row(t));
    });

  task
    .command('list')
    .description('List tasks, highest priority first (pages followed)')
    .option('-a, --agent <id>')
    .option('-s, --status <statuses>', 'comma-separated: pending, in_progress, blocked, done, cancelled')
    .option('-p, --priority <priorities>', 'comma-separated: critical, high, normal, low')
    .option('--search <text>', 'text in the id or the title')
    .option('--limit <n>', 'at most this many', '100')
    .option('--all', 'every task')
    .option('--page-size <n>', 'tasks per request', '500')
    .option('--json')
    .action(async (o: { agent?: string; status?: string; priority?: string; search?: string; limit: string; all?: boolean; pageSize: string; json?: boolean }) => {
      const q = new URLSearchParams(Object.entries({ agent: o.agent, status: o.status, priority: o.priority, q: o.search }).filter((e): e is [string, string] => e[1] !== undefined));
      const { items, total, more } = await followPages<TaskRow>(api(), '/api/tasks', q, 'tasks', o.all ? Infinity : Number(o.limit), Number(o.pageSize));
      if (o.json) out(JSON.stringify(items));
      else for (const t of items) out(row(t));
      if (more) process.stderr.write(`${items.length} of ${total ?? '?'} (more: --limit, --all)\n`);
    });

  task
    .command('done <id>')
    .description('Mark a task done (its dependents move on)')
    .action(async (id: string) => {
      out(row(await api().call<TaskRow>('PATCH', `/api/tasks/${id}`, { status: 'done' })));
    });

  task
    .command('delegate <id> <agent>')
    .description('Give a task to another agent')
    .option('-n, --note <text>')
    .action(async (id: string, agent: string, o: { note?: string }) => {
      out(row(await api().call<TaskRow>('POST', `/api/tasks/${id}/delegate`, { to: agent, ...(o.note ? { note: o.note } : {}) })));
    });
}
