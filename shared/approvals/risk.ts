import type { RequestType, RiskLevel } from './approval-request.js';
import { assess, clip, insideRoots, pathRisk, type RiskAssessment } from './risk-core.js';
import { classifyCommand } from './bash-risk.js';

export { combine, isInside, pathRisk, type RiskAssessment } from './risk-core.js';
export { classifyCommand, MAX_COMMAND_BYTES, splitCommands, type CommandOptions, type WorkMeter } from './bash-risk.js';

/**
 * Risk of an act, by documented rules (docs/APPROVALS.md, "Risk"). Pure functions: the
 * same question always gets the same level, so policy tests need no running system.
 *
 * Tool uses:
 * - read-only tools (Read, Glob, Grep, LS, NotebookRead, TodoWrite, BashOutput...) → low;
 *   but a read of a path outside the agent's workdir (and its extra dirs) → high;
 * - Nox's own tools server (`mcp__nox__*`) → low (each of its acts is checked by the API);
 * - file edits (Edit, MultiEdit, Write, NotebookEdit) inside the agent's workdir (or one of
 *   its extra dirs) → medium; outside → critical; with no workdir known → high;
 * - Bash: by command (classifyCommand), the riskiest part of a compound command wins;
 * - WebFetch, WebSearch, other MCP tools, sub-agents (Task) and unknown tools → medium.
 * Other request types: spawn_agent, install_mcp, delete_agent → high; custom → as given,
 * else medium.
 *
 * Every function here runs in time linear in its input (a question is classified on the
 * worker's event loop): no backtracking patterns, and commands longer than
 * MAX_COMMAND_BYTES are not read to the end.
 */

export interface ToolQuestion {
  tool: string;
  input: Record<string, unknown>;
  /** the agent's working directory (absolute) */
  workdir?: string;
  /** other folders the agent may write to (`--add-dir`) */
  addDirs?: readonly string[];
}

export const READ_ONLY_TOOLS: ReadonlySet<string> = new Set([
  'Read',
  'Glob',
  'Grep',
  'LS',
  'NotebookRead',
  'TodoRead',
  'TodoWrite',
  'BashOutput',
  'ExitPlanMode',
  'ListMcpResourcesTool',
  'ReadMcpResourceTool',
]);
export const EDIT_TOOLS: ReadonlySet<string> = new Set(['Edit', 'MultiEdit', 'Write', 'NotebookEdit']);
/** Read-only tools that take a path, and the input field that holds it (none given: the workdir). */
const READ_PATH_FIELDS: Readonly<Record<string, string>> = { Read: 'file_path', NotebookRead: 'notebook_path', LS: 'path', Glob: 'path', Grep: 'path' };
/** A read-only tool: low inside the workdir (or with no path: the workdir), high outside it. */
function readRisk(tool: string, input: Record<string, unknown>, workdir: string | undefined, addDirs: readonly string[]): RiskAssessment {
  const field = READ_PATH_FIELDS[tool];
  const given = field ? input[field] : undefined;
  const where = typeof given === 'string' && given.length > 0 ? given : undefined;
  const target = tool === 'Glob' ? globReach(where, input.pattern) : where;
  const reads = assess('low', `${tool} only reads`);
  if (target === undefined) return reads;
  if (!workdir) {
    // relative paths stay in the agent's (unknown) workdir; absolute ones and `..` may not
    return insideRoots(target, '/nonexistent-workdir', []) ? reads : assess('high', `${tool} reads ${clip(target)} and the agent's workdir is unknown`);
  }
  return insideRoots(target, workdir, addDirs) ? reads : assess('high', `${tool} reads ${clip(target)} outside the agent's workdir`);
}

const GLOB_SEGMENT = /[*?[{]/;

/**
 * The folder a Glob reaches: its `path` joined with the pattern's segments before the first
 * wildcard, climbed once more for every `..` after it (`**` may match nothing, so
 * `**\/../../etc/*` reaches `../..`). An absolute (or `~`) pattern stands alone.
 */
function globReach(where: string | undefined, pattern: unknown): string | undefined {
  if (typeof pattern !== 'string' || pattern.length === 0) return where;
  const segments = pattern.split('/');
  let wild = segments.findIndex((segment) => GLOB_SEGMENT.test(segment));
  if (wild < 0) wild = segments.length;
  const climbs = segments.slice(wild).filter((segment) => segment === '..');
  const literal = [...segments.slice(0, wild), ...climbs].join('/');
  if (literal.startsWith('/') || literal.startsWith('~')) return literal;
  if (literal === '') return where;
  return where === undefined ? literal : `${where}/${literal}`;
}

export function classifyToolUse(q: ToolQuestion): RiskAssessment {
  const { tool, input } = q;
  if (READ_ONLY_TOOLS.has(tool)) return readRisk(tool, input, q.workdir, q.addDirs ?? []);
  if (tool.startsWith('mcp__nox__')) return assess('low', `${tool} is a Nox tool (checked again by the API)`);
  if (EDIT_TOOLS.has(tool)) {
    const target = input.file_path ?? input.notebook_path ?? input.path;
    if (typeof target !== 'string' || target.length === 0) return assess('high', `${tool} without a file path`);
    return pathRisk(target, q.workdir, q.addDirs);
  }
  if (tool === 'Bash') {
    const command = input.command;
    if (typeof command !== 'string') return assess('high', 'Bash without a command');
    return classifyCommand(command, q.workdir, q.addDirs);
  }
  if (tool === 'WebFetch' || tool === 'WebSearch') return assess('medium', `${tool} reaches the network`);
  if (tool.startsWith('mcp__')) return assess('medium', `${tool} is an MCP tool`);
  return assess('medium', `${tool} is not a known read-only tool`);
}

/** Default risk of the request types that are not tool uses. */
export function classifyRequest(type: RequestType, given?: RiskLevel): RiskAssessment {
  if (given) return assess(given, 'risk given by the requester');
  switch (type) {
    case 'spawn_agent':
      return assess('high', 'spawning an agent starts a new process with its own tools');
    case 'install_mcp':
      return assess('high', 'installing an MCP service brings in a new container image');
    case 'delete_agent':
      return assess('high', 'deleting an agent removes its configuration');
    case 'merge':
      return assess('medium', 'merging an agent branch changes the project base (shared/projects/merge-risk.ts gives the level)');
    default:
      return assess('medium', 'no risk given');
  }
}
