/**
 * The demo's fleet (docs/DEMO.md): three agents that ship a release's notes together. The
 * lead gets the task from a person, asks the researcher what changed, delegates the draft
 * to the writer; the writer writes it and asks a person before posting it; the lead closes
 * the task and thanks everyone. Nothing here calls a model: bin/demo/demo-roles.ts plays
 * each part.
 */
export type DemoRole = 'lead' | 'researcher' | 'writer';

export interface Team {
  lead: string;
  researcher: string;
  writer: string;
}

export interface DemoAgent {
  id: string;
  name: string;
  role: DemoRole;
}

export const DEMO_TEAM: Team = { lead: 'demo-lead', researcher: 'demo-researcher', writer: 'demo-writer' };

export const DEMO_AGENTS: readonly DemoAgent[] = [
  { id: DEMO_TEAM.lead, name: 'Lead (demo)', role: 'lead' },
  { id: DEMO_TEAM.researcher, name: 'Researcher (demo)', role: 'researcher' },
  { id: DEMO_TEAM.writer, name: 'Writer (demo)', role: 'writer' },
];

/** The task a person gives the lead to start the demo. */
export const RELEASE_TASK_TITLE = 'Ship the v1.2 release notes';
export const DRAFT_TASK_TITLE = 'Draft and publish the v1.2 release notes';
export const NOTES_FILE = 'RELEASE-NOTES.md';
/** What the writer asks a person before running it (a network command: high risk, docs/APPROVALS.md). */
export const PUBLISH_COMMAND = `curl -fsS -X POST https://chat.example.com/hooks/releases --data-binary @${NOTES_FILE}`;

export const RELEASE_CHANGES = [
  'Agents that hit a usage limit park and come back by themselves',
  'One "needs you" list: approvals waiting and agents that need a person',
  '`nox up --demo`: a fleet anyone can watch, no API key needed',
];

const WHAT: Record<DemoRole, string> = {
  lead: `You lead the demo fleet. When you get a task, ask ${DEMO_TEAM.researcher} what changed, create the draft task and delegate it to ${DEMO_TEAM.writer}, forward what the researcher finds, and close your task when the writer reports back.`,
  researcher: 'You answer questions about what changed: reply to whoever asked, with the list of changes.',
  writer: `You write. When a task is delegated to you, write ${NOTES_FILE} in your folder, ask before posting it to the team channel, then close the task and tell whoever delegated it.`,
};

/**
 * The system prompt: what the agent does, for people reading the dashboard, and one tag line
 * the demo program reads to know its part and its teammates.
 */
export function demoPrompt(agent: DemoAgent, team: Team = DEMO_TEAM): string {
  return `${WHAT[agent.role]}\n\n[nox-demo role=${agent.role} lead=${team.lead} researcher=${team.researcher} writer=${team.writer}]`;
}

/** The part and the teammates from a system prompt made by demoPrompt; undefined for any other prompt. */
export function readDemoTag(prompt: string | undefined): { role: DemoRole; team: Team } | undefined {
  const m = /\[nox-demo role=(lead|researcher|writer) lead=(\S+) researcher=(\S+) writer=([^\s\]]+)\]/.exec(prompt ?? '');
  if (!m) return undefined;
  return { role: m[1] as DemoRole, team: { lead: m[2]!, researcher: m[3]!, writer: m[4]! } };
}
