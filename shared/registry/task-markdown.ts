import { randomBytes } from 'node:crypto';
import { TaskMarkdownError } from '../errors/registry-errors.js';
import { TASK_ID_PATTERN, TASK_PRIORITIES, type TaskRecord, type TaskStatus } from './task-record.js';

/**
 * tasks/<agent-id>.md — the human-editable view of agents/<id>/tasks.toml.
 *
 * ```markdown
 * # Tasks of a1
 *
 * <!-- comment with the editing rules (ignored when parsed) -->
 *
 * ## Pending
 * - [ ] Write the weekly report !high due:2026-12-01 {t-3f9a1c2b}
 *
 * ## In progress
 * ## Blocked
 * ## Done
 * - [x] Set up the repository {t-1b2c3d4e}
 * ## Cancelled
 * ```
 *
 * A task is one line: `- [ ]` or `- [x]`, the title, optional `!critical|!high|!low`
 * (priority; none = normal), optional `due:YYYY-MM-DD` (deadline), optional `budget:$5`
 * (the task's budget in USD), and its id in braces.
 * Its status is its section; a ticked box means done wherever it is, and an unticked box
 * under Done means it was reopened (pending). A line without an id is a new task. A task
 * line removed from the file is cancelled, never deleted. Anything else that is not
 * blank, a heading or a comment is an error, reported with its line number.
 */
export const SECTIONS: readonly { status: TaskStatus; title: string; aliases: string[] }[] = [
  { status: 'pending', title: 'Pending', aliases: ['pending', 'todo', 'to do', 'open'] },
  { status: 'in_progress', title: 'In progress', aliases: ['in progress', 'doing', 'in-progress'] },
  { status: 'blocked', title: 'Blocked', aliases: ['blocked', 'waiting'] },
  { status: 'done', title: 'Done', aliases: ['done', 'finished', 'completed'] },
  { status: 'cancelled', title: 'Cancelled', aliases: ['cancelled', 'canceled'] },
];

const HELP = `<!-- Nox keeps this file in sync with agents/AGENT/tasks.toml; your edits are read back.
     Tick a box to finish a task, move a line to another section to change its status,
     add a line "- [ ] title" to add a task. Optional: !critical !high !low (priority),
     due:YYYY-MM-DD (deadline), budget:$5 (what its turns may cost). Keep the {t-...} id at the end of each line. -->`;

export function renderTasksMarkdown(agentId: string, tasks: readonly TaskRecord[]): string {
  const out = [`# Tasks of ${agentId}`, '', HELP.replace('AGENT', agentId), ''];
  for (const section of SECTIONS) {
    out.push(`## ${section.title}`);
    for (const t of tasks.filter((x) => (x.status ?? 'pending') === section.status)) {
      const attrs = [t.priority && t.priority !== 'normal' ? `!${t.priority}` : '', t.deadline ? `due:${t.deadline}` : '', t.budget_usd ? `budget:$${t.budget_usd}` : ''].filter(Boolean);
      out.push(`- [${t.status === 'done' ? 'x' : ' '}] ${oneLine(t.title)}${attrs.length ? ` ${attrs.join(' ')}` : ''} {${t.id}}`);
    }
    out.push('');
  }
  return out.join('\n');
}

const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();

export interface ParsedTask {
  /** undefined for a new task the person added */
  id: string | undefined;
  title: string;
  status: TaskStatus;
  priority: (typeof TASK_PRIORITIES)[number];
  deadline: string | undefined;
  budget: number | undefined;
  line: number;
}

const TASK_LINE = /^\s*[-*] \[( |x|X)\]\s+(.*)$/;

export function parseTasksMarkdown(text: string): ParsedTask[] {
  const tasks: ParsedTask[] = [];
  const seen = new Set<string>();
  let status: TaskStatus | undefined;
  let inComment = false;
  const lines = text.split(/\r?\n/);
  for (const [i, raw] of lines.entries()) {
    const n = i + 1;
    let line = raw;
    if (inComment) {
      const end = line.indexOf('-->');
      if (end < 0) continue;
      inComment = false;
      line = line.slice(end + 3);
    }
    line = line.replace(/<!--.*?-->/g, '');
    const open = line.indexOf('<!--');
    if (open >= 0) {
      inComment = true;
      line = line.slice(0, open);
    }
    if (line.trim() === '' || /^#\s/.test(line.trim())) continue;
    const heading = /^##\s+(.+?)\s*$/.exec(line.trim());
    if (heading) {
      const name = heading[1]!.toLowerCase();
      const section = SECTIONS.find((s) => s.aliases.includes(name));
      if (!section) throw new TaskMarkdownError(n, `unknown section "${heading[1]}" (use ${SECTIONS.map((s) => s.title).join(', ')})`);
      status = section.status;
      continue;
    }
    const m = TASK_LINE.exec(line);
    if (!m) throw new TaskMarkdownError(n, `not a task line, heading or comment: "${line.trim().slice(0, 80)}"`);
    if (!status) throw new TaskMarkdownError(n, 'task line before any "## Section" heading');
    const ticked = m[1] !== ' ';
    let rest = m[2]!.trim();
    let id: string | undefined;
    const idMatch = /\{([^}]*)\}\s*$/.exec(rest);
    if (idMatch) {
      id = idMatch[1]!.trim();
      if (!TASK_ID_PATTERN.test(id)) throw new TaskMarkdownError(n, `"{${id}}" is not a task id (t-...)`);
      if (seen.has(id)) throw new TaskMarkdownError(n, `task ${id} appears twice`);
      seen.add(id);
      rest = rest.slice(0, idMatch.index).trim();
    }
    let priority: ParsedTask['priority'] = 'normal';
    let deadline: string | undefined;
    let budget: number | undefined;
    const words: string[] = [];
    for (const w of rest.split(/\s+/)) {
      const p = /^!(\w+)$/.exec(w);
      const d = /^due:(.*)$/.exec(w);
      const b = /^budget:\$?(.*)$/.exec(w);
      if (b) {
        budget = Number(b[1]);
        if (!/^\d+(\.\d+)?$/.test(b[1]!) || !(budget > 0)) throw new TaskMarkdownError(n, `"${w}" is not a budget (budget:$5 or budget:$0.50)`);
      } else if (p) {
        if (!(TASK_PRIORITIES as readonly string[]).includes(p[1]!)) throw new TaskMarkdownError(n, `unknown priority "${w}" (use !critical, !high, !normal or !low)`);
        priority = p[1] as ParsedTask['priority'];
      } else if (d) {
        if (!/^\d{4}-\d{2}-\d{2}$/.test(d[1]!) || Number.isNaN(Date.parse(d[1]!))) throw new TaskMarkdownError(n, `"${w}" is not a date (due:YYYY-MM-DD)`);
        deadline = d[1];
      } else if (w) {
        words.push(w);
      }
    }
    const title = words.join(' ');
    if (!title) throw new TaskMarkdownError(n, 'task has no title');
    if (title.length > 500) throw new TaskMarkdownError(n, 'title is longer than 500 characters');
    const effective: TaskStatus = ticked ? (status === 'cancelled' ? 'cancelled' : 'done') : status === 'done' ? 'pending' : status;
    tasks.push({ id, title, status: effective, priority, deadline, budget, line: n });
  }
  if (inComment) throw new TaskMarkdownError(lines.length, 'unclosed <!-- comment');
  return tasks;
}

export interface TaskEdit {
  kind: 'created' | 'updated' | 'cancelled';
  task: TaskRecord;
  /** field → [before, after] (updated and cancelled) */
  changes: Record<string, [unknown, unknown]>;
}

/** What a person's edit changes, against the tasks as recorded; unknown ids are errors. */
export function diffTasks(current: readonly TaskRecord[], parsed: readonly ParsedTask[], now = new Date().toISOString()): TaskEdit[] {
  const byId = new Map(current.map((t) => [t.id, t]));
  const edits: TaskEdit[] = [];
  const present = new Set<string>();
  for (const p of parsed) {
    if (!p.id) {
      const task: TaskRecord = { id: newTaskId(), title: p.title, status: p.status, priority: p.priority, ...(p.deadline ? { deadline: p.deadline } : {}), ...(p.budget ? { budget_usd: p.budget } : {}), createdAt: now, updatedAt: now };
      edits.push({ kind: 'created', task, changes: {} });
      continue;
    }
    const before = byId.get(p.id);
    if (!before) throw new TaskMarkdownError(p.line, `unknown task id ${p.id} (remove the {id} to add a new task)`);
    present.add(p.id);
    const changes: Record<string, [unknown, unknown]> = {};
    const after: Record<string, unknown> = { title: p.title, status: p.status, priority: p.priority, deadline: p.deadline, budget_usd: p.budget };
    for (const [field, value] of Object.entries(after)) {
      // null, not undefined, for "absent": the changes travel as JSON in events
      const old = (before as Record<string, unknown>)[field] ?? (field === 'priority' ? 'normal' : field === 'status' ? 'pending' : null);
      if (old !== (value ?? null)) changes[field] = [old, value ?? null];
    }
    if (Object.keys(changes).length) {
      const task = { ...before, title: p.title, status: p.status, priority: p.priority, updatedAt: now } as TaskRecord;
      if (p.deadline) task.deadline = p.deadline;
      else delete task.deadline;
      if (p.budget) task.budget_usd = p.budget;
      else delete task.budget_usd;
      edits.push({ kind: 'updated', task, changes });
    }
  }
  for (const t of current) {
    if (present.has(t.id) || t.status === 'cancelled') continue;
    edits.push({ kind: 'cancelled', task: { ...t, status: 'cancelled', updatedAt: now }, changes: { status: [t.status, 'cancelled'] } });
  }
  return edits;
}

export function newTaskId(): string {
  return `t-${randomBytes(4).toString('hex')}`;
}

