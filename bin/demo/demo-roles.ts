import path from 'node:path';
import type { ToolOutcome } from './agent-tools.js';
import { DRAFT_TASK_TITLE, NOTES_FILE, PUBLISH_COMMAND, RELEASE_CHANGES, type DemoRole, type Team } from './demo-fleet.js';

/**
 * What each demo agent does with a turn — the part a model plays for a real agent. A turn
 * is read as Nox writes it (workers/messages/turn-text.ts: one or more messages, each with
 * its id, kind and sender); each message gets its answer, through the same tools a model
 * would call. Unknown input gets a plain reply that says what this agent is.
 */
export interface Incoming {
  id: string;
  type: string;
  /** `agent:<id>`, `user:<name>` or `system` */
  from: string;
  broadcast: boolean;
  content: string;
}

export interface Actor {
  readonly me: string;
  say(text: string): Promise<void>;
  use(name: string, input: Record<string, unknown>, pretend?: string): Promise<ToolOutcome>;
}

const HEADER = /\[message (\S+)\] (\S+) message from (\S+), (sent to you|broadcast to all agents|published on topic \S+), priority \S+(?:, for task \S+)?, at \S+:\n/g;

/** The messages of a turn, in the order written; none when the turn is not messages (a person's direct turn). */
export function readMessages(text: string): Incoming[] {
  const heads = [...text.matchAll(HEADER)];
  return heads.map((h, i) => {
    const start = h.index + h[0].length;
    const end = i + 1 < heads.length ? heads[i + 1]!.index : text.length;
    return { id: h[1]!, type: h[2]!, from: h[3]!, broadcast: h[4] !== 'sent to you', content: text.slice(start, end).trim() };
  });
}

export const NOT_A_MODEL =
  'I am a Nox demo agent: I play a fixed part (bin/demo/demo-roles.ts) and no model is behind me. With the Claude CLI installed and an API key, `nox up` runs real agents.';

export async function playTurn(role: DemoRole, team: Team, text: string, act: Actor): Promise<string> {
  const messages = readMessages(text);
  if (messages.length === 0) return NOT_A_MODEL;
  const replies: string[] = [];
  for (const m of messages) replies.push(await PARTS[role](m, team, act));
  return replies.join('\n');
}

type Part = (m: Incoming, team: Team, act: Actor) => Promise<string>;

const agentOf = (from: string): string | undefined => (from.startsWith('agent:') ? from.slice(6) : undefined);
const taskIdIn = (text: string): string | undefined => /\b(t-[a-z0-9][a-z0-9-]*)/.exec(text)?.[1];
const changesText = (): string => RELEASE_CHANGES.map((c) => `- ${c}`).join('\n');

function parsed<T>(outcome: ToolOutcome): T | undefined {
  if (outcome.isError) return undefined;
  try {
    return JSON.parse(outcome.text) as T;
  } catch {
    return undefined;
  }
}

const lead: Part = async (m, team, act) => {
  const sender = agentOf(m.from);
  if (m.type === 'task' && m.content.startsWith('New task')) {
    const taskId = taskIdIn(m.content);
    await act.say(`New task ${taskId ?? ''}. Plan: ask ${team.researcher} what changed, delegate the draft to ${team.writer}, close the task when the notes are out.`);
    if (taskId) await act.use('mcp__nox__update_task', { task_id: taskId, status: 'in_progress' });
    await act.use('mcp__nox__send_message', { to: team.researcher, message_type: 'request', content: 'What changed since v1.1? I need the user-facing changes for the v1.2 release notes.' });
    const draft = parsed<{ id?: string }>(
      await act.use('mcp__nox__create_task', { title: DRAFT_TASK_TITLE, description: `Part of ${taskId ?? 'the release'}: write ${NOTES_FILE} and post it to the team channel.`, priority: 'high' }),
    );
    if (!draft?.id) return 'Could not create the draft task.';
    await act.use('mcp__nox__delegate_task', { task_id: draft.id, to: team.writer, note: `${team.researcher} is collecting the changes; I will forward them.` });
    return `Asked ${team.researcher} what changed and delegated ${draft.id} to ${team.writer}.`;
  }
  if (sender === team.researcher && m.type === 'response') {
    await act.use('mcp__nox__send_message', { to: team.writer, message_type: 'notification', content: `The changes, from ${team.researcher}:\n${m.content}` });
    return `Forwarded the changes to ${team.writer}.`;
  }
  if (sender === team.writer && m.type === 'response') {
    const published = /\bpublished\b/i.test(m.content);
    await act.use('mcp__nox__broadcast', { content: published ? 'The v1.2 release notes are out. Thanks, team!' : 'The v1.2 release notes are written; posting them was not allowed this time. Thanks, team!' });
    const open = parsed<{ id: string; agent_id: string }[]>(await act.use('mcp__nox__list_tasks', { status: 'in_progress' })) ?? [];
    for (const t of open.filter((x) => x.agent_id === act.me)) await act.use('mcp__nox__update_task', { task_id: t.id, status: 'done' });
    return published ? 'The release notes are out; my task is done.' : 'The notes are written but not posted; my task is done.';
  }
  return m.broadcast ? 'Noted.' : NOT_A_MODEL;
};

const researcher: Part = async (m, _team, act) => {
  const sender = agentOf(m.from);
  if (sender && m.type === 'request') {
    await act.say('Going through the changelog since v1.1.');
    await act.use('mcp__nox__send_message', { to: sender, message_type: 'response', content: `Changes since v1.1:\n${changesText()}` });
    return `Sent ${sender} the ${RELEASE_CHANGES.length} changes since v1.1.`;
  }
  return m.broadcast ? 'Great work, everyone.' : NOT_A_MODEL;
};

const writer: Part = async (m, team, act) => {
  const delegated = /^agent:([a-z0-9-]+) delegated a task to you/.exec(m.content);
  if (m.type === 'task' && delegated) {
    const taskId = taskIdIn(m.content.slice(delegated[0].length));
    const boss = delegated[1] ?? team.lead;
    if (taskId) await act.use('mcp__nox__update_task', { task_id: taskId, status: 'in_progress' });
    await act.say(`Drafting ${NOTES_FILE}.`);
    await act.use('Write', { file_path: path.join(process.cwd(), NOTES_FILE), content: `# v1.2 release notes\n\n${changesText()}\n` });
    await act.say('Draft written. Posting it to the team channel goes outside this machine, so a person decides.');
    const post = await act.use(
      'Bash',
      { command: PUBLISH_COMMAND, description: 'Post the release notes to the team channel' },
      '(demo) nothing was sent: the demo has no network. A real agent would have posted the notes now.',
    );
    if (taskId) await act.use('mcp__nox__update_task', { task_id: taskId, status: 'done' });
    const report = post.allowed ? `Release notes published (${NOTES_FILE}, task ${taskId ?? '?'}).` : `Posting the notes was not allowed (${post.text}). The draft is in ${NOTES_FILE} (task ${taskId ?? '?'}).`;
    await act.use('mcp__nox__send_message', { to: boss, message_type: 'response', content: report });
    return report;
  }
  if (m.type === 'notification' && agentOf(m.from)) return 'Thanks, the notes already list these changes.';
  return m.broadcast ? 'Thanks, all.' : NOT_A_MODEL;
};

const PARTS: Record<DemoRole, Part> = { lead, researcher, writer };
