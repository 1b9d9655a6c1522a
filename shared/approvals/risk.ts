import path from 'node:path';
import { maxRisk, type RequestType, type RiskLevel } from './approval-request.js';

/**
 * Risk of an act, by documented rules (docs/APPROVALS.md, "Risk"). Pure functions: the
 * same question always gets the same level, so policy tests need no running system.
 *
 * Tool uses:
 * - read-only tools (Read, Glob, Grep, LS, NotebookRead, TodoWrite, BashOutput...) → low;
 * - Nox's own tools server (`mcp__nox__*`) → low (each of its acts is checked by the API);
 * - file edits (Edit, MultiEdit, Write, NotebookEdit) inside the agent's workdir (or one of
 *   its extra dirs) → medium; outside → critical; with no workdir known → high;
 * - Bash: by command (classifyCommand), the riskiest part of a compound command wins;
 * - WebFetch, WebSearch, other MCP tools, sub-agents (Task) and unknown tools → medium.
 * Other request types: spawn_agent, install_mcp, delete_agent → high; custom → as given,
 * else medium.
 */
export interface RiskAssessment {
  level: RiskLevel;
  /** short human reasons, riskiest first */
  reasons: string[];
}

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

const assess = (level: RiskLevel, reason: string): RiskAssessment => ({ level, reasons: [reason] });

/** Combines assessments: the riskiest level, its reasons first. */
export function combine(parts: readonly RiskAssessment[]): RiskAssessment {
  if (parts.length === 0) return assess('low', 'nothing to run');
  const level = parts.map((p) => p.level).reduce(maxRisk);
  const reasons = [...parts.filter((p) => p.level === level), ...parts.filter((p) => p.level !== level)].flatMap((p) => p.reasons);
  return { level, reasons: [...new Set(reasons)].slice(0, 10) };
}

/** True when `target` (absolute, or relative to `base`) is `base` or inside it. */
export function isInside(base: string, target: string): boolean {
  const rel = path.relative(path.resolve(base), path.resolve(base, target));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** Where a path lands: inside the workdir / extra dirs, outside them, or unknown (no workdir). */
export function pathRisk(target: string, workdir: string | undefined, addDirs: readonly string[] = []): RiskAssessment {
  if (!workdir) return assess('high', `writes ${target} and the agent's workdir is unknown`);
  const expanded = target.startsWith('~') ? `/nonexistent-home${target.slice(1)}` : target;
  const roots = [workdir, ...addDirs];
  if (roots.some((r) => isInside(r, path.resolve(workdir, expanded)))) return assess('medium', `edits ${target} inside the agent's workdir`);
  return assess('critical', `writes ${target} outside the agent's workdir`);
}

export function classifyToolUse(q: ToolQuestion): RiskAssessment {
  const { tool, input } = q;
  if (READ_ONLY_TOOLS.has(tool)) return assess('low', `${tool} only reads`);
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
    default:
      return assess('medium', 'no risk given');
  }
}

// ---- Bash ----

interface CommandRule {
  level: RiskLevel;
  test: RegExp;
  why: string;
}

/** Checked on the whole command line first: patterns that span a pipe or a list. */
const WHOLE_LINE: readonly CommandRule[] = [
  { level: 'critical', test: /\b(curl|wget|fetch)\b[^|;&]*\|\s*(sudo\s+)?(ba|z|da|k)?sh\b/, why: 'pipes a download into a shell' },
  { level: 'critical', test: /\b(bash|sh|zsh)\s+(-c\s+)?["']?\$\(\s*(curl|wget)\b/, why: 'runs a downloaded script' },
  { level: 'critical', test: /:\(\)\s*\{\s*:\|:&\s*\};:/, why: 'fork bomb' },
];

/** Checked on each simple command of the line (split on ; && || | and newlines). */
const PER_COMMAND: readonly CommandRule[] = [
  { level: 'critical', test: /^sudo\b|^su\b|^doas\b/, why: 'runs as another user (sudo/su)' },
  { level: 'critical', test: /^rm\b.*\s-[a-zA-Z]*[rR][a-zA-Z]*\b.*\s(\/|\/\*|~|~\/|\$HOME|\/home|\/etc|\/usr|\/var|\/root)(\s|$)/, why: 'recursive delete of a system or home folder' },
  { level: 'critical', test: /^(mkfs(\.\w+)?|fdisk|parted|wipefs)\b/, why: 'formats or repartitions a disk' },
  { level: 'critical', test: /^dd\b.*\bof=\/dev\//, why: 'writes a raw device' },
  { level: 'critical', test: /^git\s+push\b.*(\s--force\b|\s-f\b|\s--force-with-lease\b|\s\+\S)/, why: 'force-pushes (rewrites remote history)' },
  { level: 'critical', test: /^(chmod|chown)\b.*\s-R\b.*\s\/(\s|$)/, why: 'changes permissions of the whole filesystem' },
  { level: 'critical', test: /^(shutdown|reboot|halt|poweroff)\b/, why: 'stops the machine' },
  { level: 'high', test: /^rm\b.*\s-[a-zA-Z]*[rRf]/, why: 'deletes files recursively or by force' },
  { level: 'high', test: /^git\s+push\b/, why: 'pushes to a remote' },
  { level: 'high', test: /^git\s+(reset\s+--hard|clean\s+-[a-z]*f|checkout\s+--\s|branch\s+-D|rebase|filter-branch)\b/, why: 'discards or rewrites git history or work' },
  {
    level: 'high',
    test: /^(npm|pnpm|yarn|bun)\s+(i|install|add|ci|update|upgrade|exec|dlx|x)\b|^npx\b|^(pip|pip3|pipx|uv|poetry)\s+(install|add|sync)\b|^(apt|apt-get|yum|dnf|apk|zypper|pacman|brew|port|snap)\s+(install|add|-S|upgrade|remove)\b|^(cargo|go|gem)\s+(install|get)\b/,
    why: 'installs packages',
  },
  { level: 'high', test: /^(curl|wget|scp|rsync|ssh|sftp|ftp|nc|ncat|telnet)\b/, why: 'reaches the network' },
  { level: 'high', test: /^(chmod|chown|chgrp)\b/, why: 'changes file permissions or owners' },
  { level: 'high', test: /^(kill|pkill|killall)\b/, why: 'signals processes' },
  { level: 'high', test: /^(docker|podman|kubectl|systemctl|service|crontab|mount|umount|iptables)\b/, why: 'changes the system or its services' },
  { level: 'high', test: /^(eval|exec|source|\.)\s/, why: 'runs code it builds at run time' },
  { level: 'high', test: /^find\b.*\s(-delete|-exec)\b/, why: 'deletes or runs commands on found files' },
];

/** Commands that only read (or print) at low risk, when nothing above matched. */
const READ_ONLY_COMMANDS = new Set([
  'ls', 'cat', 'pwd', 'echo', 'printf', 'head', 'tail', 'wc', 'grep', 'rg', 'find', 'which', 'whoami', 'date', 'env', 'true', 'false',
  'stat', 'file', 'du', 'df', 'tree', 'sort', 'uniq', 'cut', 'diff', 'less', 'more', 'test', '[', 'basename', 'dirname', 'realpath', 'uname', 'id',
]);
const READ_ONLY_GIT = /^git\s+(status|diff|log|show|branch|remote\s+-v|rev-parse|ls-files|blame|describe|tag\s*$)/;

/** Splits a command line into simple commands, ignoring separators inside quotes. */
export function splitCommands(line: string): string[] {
  const parts: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < line.length; i++) {
    const c = line[i] as string;
    if (quote) {
      if (c === quote) quote = undefined;
      current += c;
      continue;
    }
    if (c === '"' || c === "'") {
      quote = c;
      current += c;
      continue;
    }
    const two = line.slice(i, i + 2);
    if (two === '&&' || two === '||') {
      parts.push(current);
      current = '';
      i++;
      continue;
    }
    if (c === ';' || c === '|' || c === '\n' || c === '&') {
      parts.push(current);
      current = '';
      continue;
    }
    current += c;
  }
  parts.push(current);
  return parts.map((p) => p.trim().replace(/^(\w+=\S*\s+)+/, '')).filter((p) => p.length > 0);
}

/** Output redirections (`>`, `>>`, `tee`) and their targets in one simple command. */
function writeTargets(command: string): string[] {
  const targets: string[] = [];
  for (const m of command.matchAll(/(?:^|[^0-9&])>{1,2}\s*([^\s;&|<>]+)/g)) targets.push(m[1] as string);
  const tee = /^tee\b(.*)$/.exec(command);
  if (tee) for (const arg of (tee[1] as string).trim().split(/\s+/)) if (arg && !arg.startsWith('-')) targets.push(arg);
  return targets.filter((t) => t !== '/dev/null' && t !== '/dev/stdout' && t !== '/dev/stderr' && !t.startsWith('&'));
}

/** Commands that write (create, change or delete) the paths they are given. */
const WRITES_EVERY_ARG = new Set(['rm', 'rmdir', 'mv', 'touch', 'mkdir', 'truncate', 'shred', 'unlink']);
const WRITES_LAST_ARG = new Set(['cp', 'ln', 'install', 'rsync']);

/** Paths a simple command writes through its arguments (not redirections). */
function argumentTargets(command: string): string[] {
  const words = (command.match(/"[^"]*"|'[^']*'|\S+/g) ?? []).map((w) => w.replace(/^["']|["']$/g, ''));
  const [word, ...args] = words;
  const operands = args.filter((a) => !a.startsWith('-'));
  if (word && WRITES_EVERY_ARG.has(word)) return operands;
  if (word && WRITES_LAST_ARG.has(word)) return operands.slice(-1);
  if (word === 'sed' && args.some((a) => /^-[a-zA-Z]*i/.test(a) || a.startsWith('--in-place'))) return operands.slice(1);
  return [];
}

function classifySimple(command: string, workdir: string | undefined, addDirs: readonly string[]): RiskAssessment {
  const parts: RiskAssessment[] = [];
  for (const target of argumentTargets(command)) {
    const r = pathRisk(target, workdir, addDirs);
    // inside the workdir the command's own rule (below) sets the level; outside is critical
    if (r.level !== 'medium') parts.push(r);
  }
  for (const rule of PER_COMMAND) {
    if (rule.test.test(command)) {
      parts.push(assess(rule.level, `${rule.why}: ${truncate(command)}`));
      break;
    }
  }
  for (const target of writeTargets(command)) {
    const r = pathRisk(target, workdir, addDirs);
    parts.push(r.level === 'medium' ? assess('medium', `writes ${target} inside the agent's workdir`) : r);
  }
  if (parts.length > 0) return combine(parts);
  const word = command.split(/\s+/)[0] ?? '';
  if (READ_ONLY_GIT.test(command) || READ_ONLY_COMMANDS.has(word)) return assess('low', `${word} only reads`);
  return assess('medium', `runs ${truncate(command)}`);
}

/** Risk of a Bash command line: whole-line patterns, then each simple command; the riskiest wins. */
export function classifyCommand(line: string, workdir?: string, addDirs: readonly string[] = []): RiskAssessment {
  const parts: RiskAssessment[] = [];
  for (const rule of WHOLE_LINE) if (rule.test.test(line)) parts.push(assess(rule.level, `${rule.why}: ${truncate(line)}`));
  for (const command of splitCommands(line)) parts.push(classifySimple(command, workdir, addDirs));
  return combine(parts);
}

function truncate(s: string, max = 120): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
