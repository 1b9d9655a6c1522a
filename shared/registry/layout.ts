import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { RegistryPathError } from '../errors/registry-errors.js';
import { ID_PATTERN } from '../ids.js';

/**
 * The layout of `.nox-registry/` and the only way to turn a file reference into a path.
 *
 * Callers never pass paths: they pass a typed `FileRef` (a file family plus the ids it
 * needs), and `resolveFile` builds the path from validated parts. Agent ids must match
 * `^[a-z0-9][a-z0-9-]{0,62}$` and dates `YYYY-MM-DD`, so no reference can name a file
 * outside the registry. The few inputs that are raw paths (the history filter) go through
 * `safeRelativePath`, which refuses anything that normalises outside the folder.
 *
 * ```
 * .nox-registry/
 *   agents.toml  mcp-services.toml  agent-relationships.toml  resource-usage.toml
 *   approval-history.toml  system-config.toml
 *   agents/<id>/conversations/<YYYY-MM-DD>.toml[.gz]  state.toml  tasks.toml  memory.toml
 *   tasks/<agent-id>.md
 *   audit/<YYYY-MM-DD>.toml   (the audit trail: batched appends only)
 *   .runtime/   (process state: never committed)
 * ```
 */

/** Top-level TOML files, one per concern. */
export const ROOT_FILES = {
  agents: 'agents.toml',
  'mcp-services': 'mcp-services.toml',
  'agent-relationships': 'agent-relationships.toml',
  'resource-usage': 'resource-usage.toml',
  'approval-history': 'approval-history.toml',
  'system-config': 'system-config.toml',
  projects: 'projects.toml',
} as const;
export type RootFamily = keyof typeof ROOT_FILES;

/** Per-agent TOML files under agents/<id>/. */
export const AGENT_FILES = {
  'agent-state': 'state.toml',
  'agent-tasks': 'tasks.toml',
  'agent-memory': 'memory.toml',
} as const;
export type AgentFamily = keyof typeof AGENT_FILES;

export const DATE_PATTERN = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
export const RUNTIME_DIR = '.runtime';

const agentId = z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`);
const date = z.string().regex(DATE_PATTERN, 'must be a date YYYY-MM-DD');

/** A reference to one registry file. Serialisable (it travels in queue jobs). */
export const fileRefSchema = z.discriminatedUnion('family', [
  z.object({ family: z.enum(Object.keys(ROOT_FILES) as [RootFamily, ...RootFamily[]]) }).strict(),
  z.object({ family: z.enum(Object.keys(AGENT_FILES) as [AgentFamily, ...AgentFamily[]]), agentId }).strict(),
  z.object({ family: z.literal('conversation'), agentId, date }).strict(),
  z.object({ family: z.literal('tasks-md'), agentId }).strict(),
]);
export type FileRef = z.infer<typeof fileRefSchema>;
export type Family = FileRef['family'];

/** Builders for the references, so call sites read well: `files.agentState('a1')`. */
export const files = {
  agents: (): FileRef => ({ family: 'agents' }),
  mcpServices: (): FileRef => ({ family: 'mcp-services' }),
  relationships: (): FileRef => ({ family: 'agent-relationships' }),
  resourceUsage: (): FileRef => ({ family: 'resource-usage' }),
  approvalHistory: (): FileRef => ({ family: 'approval-history' }),
  systemConfig: (): FileRef => ({ family: 'system-config' }),
  projects: (): FileRef => ({ family: 'projects' }),
  agentState: (agentId: string): FileRef => ({ family: 'agent-state', agentId }),
  agentTasks: (agentId: string): FileRef => ({ family: 'agent-tasks', agentId }),
  agentMemory: (agentId: string): FileRef => ({ family: 'agent-memory', agentId }),
  conversation: (agentId: string, date: string): FileRef => ({ family: 'conversation', agentId, date }),
  tasksMarkdown: (agentId: string): FileRef => ({ family: 'tasks-md', agentId }),
};

/** True for the families whose content is TOML (everything but tasks/<id>.md). */
export function isTomlFamily(family: Family): boolean {
  return family !== 'tasks-md';
}

/** Path of a file relative to the registry root, with `/` separators (git's form). */
export function relativePathOf(ref: FileRef): string {
  const checked = fileRefSchema.safeParse(ref);
  if (!checked.success) throw new RegistryPathError(`invalid file reference: ${checked.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('; ')}`);
  const r = checked.data;
  switch (r.family) {
    case 'conversation':
      return `agents/${r.agentId}/conversations/${r.date}.toml`;
    case 'tasks-md':
      return `tasks/${r.agentId}.md`;
    case 'agent-state':
    case 'agent-tasks':
    case 'agent-memory':
      return `agents/${r.agentId}/${AGENT_FILES[r.family]}`;
    default:
      return ROOT_FILES[r.family];
  }
}

/** Absolute path of a file reference inside `registryDir` (checked to stay inside). */
export function resolveFile(registryDir: string, ref: FileRef): string {
  return insideOrThrow(registryDir, relativePathOf(ref));
}

/**
 * The audit trail's day file, `audit/<YYYY-MM-DD>.toml`: written only by the writer's
 * batched appends, never a `FileRef` — so no change request, from anyone, can name it — and
 * left out of rollbacks (workers/registry/history-handlers.ts).
 */
export const AUDIT_DIR = 'audit';
export function auditDayPath(day: string): string {
  if (!DATE_PATTERN.test(day)) throw new RegistryPathError(`not a date: ${day}`);
  return `${AUDIT_DIR}/${day}.toml`;
}

/** The conversation file of a day, compressed once the day is closed. */
export function compressedPathOf(rel: string): string {
  return `${rel}.gz`;
}

/**
 * A user-supplied relative path (e.g. the history filter), normalised to git's form.
 * Refuses absolute paths, `..` segments, NUL bytes, backslashes and the `.git`/`.runtime`
 * folders. The path need not exist.
 */
export function safeRelativePath(input: string): string {
  if (typeof input !== 'string' || input.length === 0 || input.length > 512) throw new RegistryPathError('path must be 1-512 characters');
  if (input.includes('\0') || input.includes('\\')) throw new RegistryPathError('path must not contain NUL or backslashes');
  if (path.posix.isAbsolute(input) || /^[A-Za-z]:/.test(input)) throw new RegistryPathError('path must be relative to the registry');
  const parts = input.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.some((p) => p === '..')) throw new RegistryPathError('path must not contain ".."');
  if (parts[0] === '.git' || parts[0] === RUNTIME_DIR) throw new RegistryPathError(`path must not point into ${parts[0]}`);
  if (parts.length === 0) throw new RegistryPathError('path is empty');
  if (!parts.every((p) => /^[A-Za-z0-9._-]+$/.test(p))) throw new RegistryPathError('path segments may hold only letters, digits and ._-');
  return parts.join('/');
}

/** Joins and re-checks that the result is inside the registry (defence in depth). */
export function insideOrThrow(registryDir: string, rel: string): string {
  const root = path.resolve(registryDir);
  const abs = path.resolve(root, rel);
  const back = path.relative(root, abs);
  if (back === '' || back.startsWith('..') || path.isAbsolute(back)) throw new RegistryPathError(`path leaves the registry: ${rel}`);
  return abs;
}

/** Today's date in UTC as `YYYY-MM-DD` (conversation files are per UTC day). */
export function utcDate(at: Date | string | number = new Date()): string {
  return new Date(at).toISOString().slice(0, 10);
}

/** Days with a conversation file for an agent (plain or compressed), oldest first. */
export function listConversationDays(registryDir: string, agentId: string): { date: string; compressed: boolean }[] {
  const rel = relativePathOf(files.conversation(agentId, '2000-01-01'));
  const folder = path.dirname(insideOrThrow(registryDir, rel));
  if (!existsSync(folder)) return [];
  const days = new Map<string, boolean>();
  for (const f of readdirSync(folder)) {
    const m = /^(\d{4}-\d{2}-\d{2})\.toml(\.gz)?$/.exec(f);
    if (m && DATE_PATTERN.test(m[1]!)) days.set(m[1]!, (days.get(m[1]!) ?? true) && Boolean(m[2]));
  }
  return [...days].sort(([a], [b]) => a.localeCompare(b)).map(([date, compressed]) => ({ date, compressed }));
}
