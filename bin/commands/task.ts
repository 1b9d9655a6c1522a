import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { signToken } from '../../shared/auth/tokens.js';
import { configOrExit } from '../boot.js';

/**
 * `nox task add|list|done|delegate` — a thin client of /api/tasks. URL: --url, NOX_API_URL,
 * the running `nox up` (.runtime/up.json) or the configured port. Token: NOX_TOKEN, or one
 * minted with the configured secret (operator, one minute). (Same lookup as `nox agent`.)
 */
export interface CliClient {
  call<T = Record<string, unknown>>(method: string, urlPath: string, body?: unknown): Promise<T>;
}

export function cliClient(url?: string): CliClient {
  const config = configOrExit();
  const runtimeFile = path.join(config.registryDir, '.runtime', 'up.json');
  let runtimeUrl: string | undefined;
  try {
    runtimeUrl = existsSync(runtimeFile) ? (JSON.parse(readFileSync(runtimeFile, 'utf8')) as { apiUrl?: string }).apiUrl : undefined;
  } catch {
    runtimeUrl = undefined;
  }
  const base = (url ?? process.env.NOX_API_URL ?? runtimeUrl ?? `http://127.0.0.1:${config.api.port}`).replace(/\/$/, '');
  const token = process.env.NOX_TOKEN ?? (config.auth.jwt_secret ? signToken(config.auth.jwt_secret, { sub: 'nox-cli', role: 'operator' }, { expiresIn: '1m' }) : undefined);
  if (!token) throw new Error('no token: set NOX_TOKEN, or configure auth.jwt_secret (nox up does)');
  return {
    async call<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
      const res = await fetch(`${base}${urlPath}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      const parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (!res.ok) throw new Error(`${res.status} ${String(parsed.code ?? '')}: ${String(parsed.detail ?? text)}`);
      return parsed as T;
    },
  };
}

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
  const api = (): CliClient => cliClient((task.opts() as { url?: string }).url);

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
