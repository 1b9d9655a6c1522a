import type { Command } from 'commander';

/**
 * `nox task add|list|done|delegate` — a thin client of /api/tasks. bin/api-client.ts finds the
 * API and the token.
 */
import { apiClient, type ApiClient } from '../api-client.js';

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
    .description('List tasks, highest priority first')
    .option('-a, --agent <id>')
    .option('-s, --status <status>')
    .option('--json')
    .action(async (o: { agent?: string; status?: string; json?: boolean }) => {
      const q = new URLSearchParams({ ...(o.agent ? { agent: o.agent } : {}), ...(o.status ? { status: o.status } : {}) });
      const { tasks } = await api().call<{ tasks: TaskRow[] }>('GET', `/api/tasks?${q}`);
      if (o.json) out(JSON.stringify(tasks));
      else for (const t of tasks) out(row(t));
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
