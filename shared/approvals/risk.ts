import path from 'node:path';
import { maxRisk, type RequestType, type RiskLevel } from './approval-request.js';
import { MAX_OPEN, readShell, type ShellWord, type SimpleCommand } from './shell-reader.js';

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
/** Read-only tools that take a path, and the input field that holds it (none given: the workdir). */
const READ_PATH_FIELDS: Readonly<Record<string, string>> = { Read: 'file_path', NotebookRead: 'notebook_path', LS: 'path', Glob: 'path', Grep: 'path' };

const MAX_REASONS = 10;
/** One empty list for all the commands that have nothing of a kind: fewer objects to collect. */
const NONE: readonly never[] = Object.freeze([]);
const assess = (level: RiskLevel, reason: string): RiskAssessment => ({ level, reasons: [reason] });

/** Collects assessments in linear time: the riskiest level, and the first distinct reasons of each level. */
class Tally {
  private top: RiskLevel | undefined;
  private order = 0;
  private readonly kept = new Map<RiskLevel, { reasons: string[]; order: number[] }>();

  add(a: RiskAssessment): void {
    for (const r of a.reasons) this.note(a.level, r);
  }

  note(level: RiskLevel, reason: string): void {
    this.top = this.top ? maxRisk(this.top, level) : level;
    let kept = this.kept.get(level);
    if (!kept) this.kept.set(level, (kept = { reasons: [], order: [] }));
    if (kept.reasons.length >= MAX_REASONS || kept.reasons.includes(reason)) return;
    kept.reasons.push(reason);
    kept.order.push(this.order++);
  }

  /** The riskiest level; its reasons first, then the others in the order they came. */
  result(): RiskAssessment {
    const top = this.top;
    if (!top) return assess('low', 'nothing to run');
    const others = [...this.kept]
      .filter(([level]) => level !== top)
      .flatMap(([, k]) => k.reasons.map((reason, j) => ({ reason, order: k.order[j] as number })))
      .sort((a, b) => a.order - b.order)
      .map((x) => x.reason);
    const reasons = [...new Set([...(this.kept.get(top)?.reasons ?? []), ...others])];
    return { level: top, reasons: reasons.slice(0, MAX_REASONS) };
  }
}

/** Combines assessments: the riskiest level, its reasons first. */
export function combine(parts: readonly RiskAssessment[]): RiskAssessment {
  const tally = new Tally();
  for (const p of parts) tally.add(p);
  return tally.result();
}

/** True when `target` (absolute, or relative to `base`) is `base` or inside it. */
export function isInside(base: string, target: string): boolean {
  const rel = path.relative(path.resolve(base), path.resolve(base, target));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `~`, `$HOME` and `${HOME}` name a home folder, which is never the workdir. */
function expandHome(target: string): string {
  for (const home of ['$HOME', '${HOME}']) if (target === home || target.startsWith(`${home}/`)) return `/nonexistent-home${target.slice(home.length)}`;
  return target.startsWith('~') ? `/nonexistent-home${target.slice(1)}` : target;
}

/**
 * Whether `target` lands inside the workdir or an extra dir. Resolved as text against the
 * workdir (`..` climbs out, `~` is elsewhere); a link inside the workdir that points out of
 * it cannot be seen without the filesystem, and these are pure functions.
 */
function insideRoots(target: string, workdir: string, addDirs: readonly string[]): boolean {
  const resolved = path.resolve(workdir, expandHome(target));
  return [workdir, ...addDirs].some((r) => isInside(r, resolved));
}

/** Where a path lands: inside the workdir / extra dirs, outside them, or unknown (no workdir). */
export function pathRisk(target: string, workdir: string | undefined, addDirs: readonly string[] = []): RiskAssessment {
  if (!workdir) return assess('high', `writes ${clip(target)} and the agent's workdir is unknown`);
  if (insideRoots(target, workdir, addDirs)) return assess('medium', `edits ${clip(target)} inside the agent's workdir`);
  return assess('critical', `writes ${clip(target)} outside the agent's workdir`);
}

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
    default:
      return assess('medium', 'no risk given');
  }
}

// ---- Bash ----

/**
 * The longest command read to its end, in UTF-8 bytes. A longer one is at least `high`
 * ("command too long to classify"); its first MAX_COMMAND_BYTES characters are still read,
 * so it is never rated below what they say. Real commands are far shorter: a longer one is
 * generated text, and reading it would only cost the worker's event loop.
 */
export const MAX_COMMAND_BYTES = 64 * 1024;
/** How deep commands inside commands are read (`bash -c '…'`, `eval`, a here-document fed to `sh`). */
const MAX_NESTING = 3;

/** Counts the work of a classification (characters and words visited), so tests can assert it stays linear. */
export interface WorkMeter {
  steps: number;
}

export interface CommandOptions {
  meter?: WorkMeter;
  /** @defaultValue MAX_COMMAND_BYTES */
  maxBytes?: number;
}

interface Scope {
  workdir: string | undefined;
  addDirs: readonly string[];
  meter: WorkMeter;
  depth: number;
}

/** Risk of a Bash command line: each simple command it would run, and how they connect; the riskiest wins. */
export function classifyCommand(line: string, workdir?: string, addDirs: readonly string[] = [], options: CommandOptions = {}): RiskAssessment {
  const max = options.maxBytes ?? MAX_COMMAND_BYTES;
  const tally = new Tally();
  let text = line;
  // a character is at least one byte: count bytes only when the length leaves a doubt
  if (line.length * 3 > max) {
    const bytes = Buffer.byteLength(line, 'utf8');
    if (bytes > max) {
      tally.add(assess('high', `command too long to classify (${bytes} bytes)`));
      text = line.slice(0, max);
    }
  }
  classifyLine(text, { workdir, addDirs, meter: options.meter ?? { steps: 0 }, depth: 0 }, tally);
  return tally.result();
}

/** Splits a command line into simple commands, ignoring separators inside quotes. */
export function splitCommands(line: string): string[] {
  return readShell(line)
    .commands.filter((c) => c.group === 0)
    .map((c) => c.source.slice(textStart(c), c.end));
}

/** What a simple command runs once assignments, keywords and wrappers (sudo, env, nohup…) are set aside. */
interface CommandView {
  name: string;
  /** index of the name among the command's words */
  at: number;
  args: readonly ShellWord[];
  /** letters of short options (`-rf` gives r and f), each once; long options (`--force`, without `=value`) */
  short: string;
  long: readonly string[];
  /** the arguments that are not options (as the rules always counted them: not starting with `-`) */
  operands: readonly string[];
  /** git's subcommand (global options skipped), else the first operand; and its index in args */
  sub: string | undefined;
  subAt: number;
  /** sudo, env, nohup… in front of the command, outermost first */
  wrappers: readonly string[];
}

interface CommandRule {
  level: RiskLevel;
  why: string;
  test(c: CommandView): boolean;
}

const named = (...names: string[]): ((c: CommandView) => boolean) => {
  const set = new Set(names);
  return (c) => set.has(c.name);
};
/** Has one of these short option letters or long options. */
function hasOption(c: CommandView, letters: string, ...long: string[]): boolean {
  for (const l of letters) if (c.short.includes(l)) return true;
  return long.some((l) => c.long.includes(l));
}

/** Checked on each simple command; the first that matches gives its level and reason. */
const PER_COMMAND: readonly CommandRule[] = [
  { level: 'critical', why: 'runs as another user (sudo/su)', test: named('sudo', 'su', 'doas') },
  { level: 'critical', why: 'recursive delete of a system or home folder', test: (c) => c.name === 'rm' && hasOption(c, 'rR', '--recursive') && c.operands.some((o) => SYSTEM_FOLDERS.has(folder(o))) },
  { level: 'critical', why: 'formats or repartitions a disk', test: (c) => c.name === 'mkfs' || c.name.startsWith('mkfs.') || ['fdisk', 'parted', 'wipefs'].includes(c.name) },
  { level: 'critical', why: 'writes a raw device', test: (c) => c.name === 'dd' && c.args.some((w) => w.text.startsWith('of=/dev/')) },
  {
    level: 'critical',
    why: 'force-pushes (rewrites remote history)',
    test: (c) => c.name === 'git' && c.sub === 'push' && (hasOption(c, 'f', '--force', '--force-with-lease', '--force-if-includes') || c.operands.some((o) => o.startsWith('+'))),
  },
  { level: 'critical', why: 'changes permissions of the whole filesystem', test: (c) => (c.name === 'chmod' || c.name === 'chown') && hasOption(c, 'R', '--recursive') && c.operands.some((o) => folder(o) === '/') },
  { level: 'critical', why: 'stops the machine', test: named('shutdown', 'reboot', 'halt', 'poweroff') },
  { level: 'high', why: 'deletes files recursively or by force', test: (c) => c.name === 'rm' && hasOption(c, 'rRf', '--recursive', '--force') },
  { level: 'high', why: 'pushes to a remote', test: (c) => c.name === 'git' && c.sub === 'push' },
  { level: 'high', why: 'discards or rewrites git history or work', test: discardsGitWork },
  { level: 'high', why: 'installs packages', test: installsPackages },
  { level: 'high', why: 'reaches the network', test: named('curl', 'wget', 'scp', 'rsync', 'ssh', 'sftp', 'ftp', 'nc', 'ncat', 'telnet') },
  { level: 'high', why: 'changes file permissions or owners', test: named('chmod', 'chown', 'chgrp') },
  { level: 'high', why: 'signals processes', test: named('kill', 'pkill', 'killall') },
  { level: 'high', why: 'changes the system or its services', test: named('docker', 'podman', 'kubectl', 'systemctl', 'service', 'crontab', 'mount', 'umount', 'iptables') },
  { level: 'high', why: 'runs code it builds at run time', test: (c) => ['eval', 'exec', 'source', '.'].includes(c.name) && c.args.length > 0 },
  { level: 'high', why: 'deletes or runs commands on found files', test: (c) => c.name === 'find' && c.args.some((w) => FIND_ACTIONS.has(w.text)) },
];

const SYSTEM_FOLDERS: ReadonlySet<string> = new Set(['/', '~', '$HOME', '/home', '/etc', '/usr', '/var', '/root', '/bin', '/boot', '/dev', '/lib', '/lib64', '/opt', '/proc', '/sbin', '/srv', '/sys']);
const FIND_ACTIONS: ReadonlySet<string> = new Set(['-delete', '-exec', '-execdir', '-ok', '-okdir']);

/** A folder argument as written, tidied: `/etc/` and `//etc` are `/etc`, `/*` is `/`, `${HOME}/` is `$HOME`. */
function folder(arg: string): string {
  let p = arg.startsWith('${HOME}') ? `$HOME${arg.slice('${HOME}'.length)}` : arg;
  if (p.endsWith('/*')) p = p.slice(0, -2) || '/';
  if (p.startsWith('/')) p = path.posix.normalize(p);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

function discardsGitWork(c: CommandView): boolean {
  if (c.name !== 'git') return false;
  switch (c.sub) {
    case 'rebase':
    case 'filter-branch':
      return true;
    case 'reset':
      return c.long.includes('--hard');
    case 'clean':
      return hasOption(c, 'f', '--force');
    case 'checkout':
      return c.long.includes('--');
    case 'branch':
      return c.short.includes('D');
    default:
      return false;
  }
}

const JS_VERBS = ['i', 'install', 'add', 'ci', 'update', 'upgrade', 'exec', 'dlx', 'x'];
const PY_VERBS = ['install', 'add', 'sync'];
const OS_VERBS = ['install', 'add', '-S', 'upgrade', 'remove'];
const PACKAGE_VERBS: Readonly<Record<string, readonly string[]>> = {
  ...Object.fromEntries(['npm', 'pnpm', 'yarn', 'bun'].map((n) => [n, JS_VERBS])),
  ...Object.fromEntries(['pip', 'pip3', 'pipx', 'uv', 'poetry'].map((n) => [n, PY_VERBS])),
  ...Object.fromEntries(['apt', 'apt-get', 'yum', 'dnf', 'apk', 'zypper', 'pacman', 'brew', 'port', 'snap'].map((n) => [n, OS_VERBS])),
  ...Object.fromEntries(['cargo', 'go', 'gem'].map((n) => [n, ['install', 'get']])),
};

/** `npx`, or a package manager whose first argument is an install verb (`npm install`, `apt-get install`…). */
function installsPackages(c: CommandView): boolean {
  if (c.name === 'npx') return true;
  const verbs = PACKAGE_VERBS[c.name];
  const first = c.args[0]?.text;
  return verbs !== undefined && first !== undefined && verbs.some((v) => first.startsWith(v) && !isWordChar(first.charCodeAt(v.length)));
}

/** Commands that only read (or print): low risk, when nothing above matched. */
const READ_ONLY_COMMANDS = new Set([
  'ls', 'cat', 'pwd', 'echo', 'printf', 'head', 'tail', 'wc', 'grep', 'rg', 'find', 'which', 'whoami', 'date', 'env', 'true', 'false',
  'stat', 'file', 'du', 'df', 'tree', 'sort', 'uniq', 'cut', 'diff', 'less', 'more', 'test', '[', 'basename', 'dirname', 'realpath', 'uname', 'id',
]);
const READ_ONLY_GIT = new Set(['status', 'diff', 'log', 'show', 'branch', 'rev-parse', 'ls-files', 'blame', 'describe']);

const onlyReadsReasons = new Map<string, string>();
/** The same string for every `ls` of a line: the tally compares reasons, and equal objects compare at once. */
function onlyReadsReason(name: string): string {
  let reason = onlyReadsReasons.get(name);
  if (reason === undefined) onlyReadsReasons.set(name, (reason = `${name} only reads`));
  return reason;
}

function onlyReads(c: CommandView): boolean {
  if (c.name !== 'git') return READ_ONLY_COMMANDS.has(c.name);
  if (c.sub === 'remote') return c.args[c.subAt + 1]?.text.startsWith('-v') ?? false;
  if (c.sub === 'tag') return c.subAt === c.args.length - 1;
  return c.sub !== undefined && READ_ONLY_GIT.has(c.sub);
}

// -- what a command writes --

/** Commands that write (create, change or delete) the paths they are given. */
const WRITES_EVERY_ARG = new Set(['rm', 'rmdir', 'mv', 'touch', 'mkdir', 'truncate', 'shred', 'unlink']);
const WRITES_LAST_ARG = new Set(['cp', 'ln', 'install', 'rsync']);

/** Paths a command writes through its arguments (not redirections). */
function argumentTargets(c: CommandView): readonly string[] {
  if (WRITES_EVERY_ARG.has(c.name)) return c.operands;
  if (WRITES_LAST_ARG.has(c.name)) {
    const targets = c.operands.slice(-1);
    c.args.forEach((w, k) => {
      if (w.text === '-t' || w.text === '--target-directory') targets.push(c.args[k + 1]?.text ?? '');
      else if (w.text.startsWith('--target-directory=')) targets.push(w.text.slice('--target-directory='.length));
    });
    return targets.filter((t) => t !== '');
  }
  if (c.name === 'sed' && c.args.some((w) => w.text.startsWith('--in-place') || shortCluster(w.text).includes('i'))) return c.operands.slice(1);
  return NONE;
}

/** The letters of a short option cluster before anything else (`-ni.bak` gives `ni`). */
function shortCluster(word: string): string {
  if (!word.startsWith('-') || word.startsWith('--')) return '';
  let k = 1;
  while (k < word.length && /[a-zA-Z]/.test(word[k] as string)) k++;
  return word.slice(1, k);
}

const WRITE_OPS = new Set(['>', '>>', '>|', '&>', '&>>', '<>', '>&']);
const HARMLESS_SINKS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);

/** Files written by redirections, `tee` and `dd of=`. */
function writeTargets(cmd: SimpleCommand, c: CommandView | undefined): readonly string[] {
  if (cmd.redirections.length === 0 && c?.name !== 'tee' && c?.name !== 'dd') return NONE;
  const targets: string[] = [];
  for (const r of cmd.redirections) {
    const t = r.target?.text;
    if (t === undefined || !WRITE_OPS.has(r.op)) continue;
    // `>&2` and `>&-` duplicate or close a descriptor; `>&file` writes the file
    if (r.op === '>&' && (t === '-' || /^[0-9]+-?$/.test(t))) continue;
    if (!HARMLESS_SINKS.has(t) && !t.startsWith('/dev/fd/')) targets.push(t);
  }
  if (c?.name === 'tee') targets.push(...c.operands);
  if (c?.name === 'dd') for (const w of c.args) if (w.text.startsWith('of=') && !w.text.startsWith('of=/dev/')) targets.push(w.text.slice(3));
  return targets;
}

// -- reading a simple command --

/** Reserved words that may open a simple command; what follows is the command. */
const KEYWORDS = new Set(['!', '{', '}', 'if', 'then', 'else', 'elif', 'fi', 'while', 'until', 'do', 'done', 'esac', 'coproc']);

/** Commands that run the command given after their own options (and the options that take a value). */
const WRAPPERS: Readonly<Record<string, { valued?: readonly string[]; operands?: number }>> = {
  sudo: { valued: ['-u', '-g', '-C', '-D', '-h', '-p', '-r', '-t', '-T', '-U', '--user', '--group', '--chdir', '--close-from', '--host', '--prompt', '--role', '--type', '--other-user', '--command-timeout'] },
  doas: { valued: ['-u', '-C'] },
  env: { valued: ['-u', '-C', '-S', '--unset', '--chdir', '--split-string'] },
  exec: { valued: ['-a'] },
  nice: { valued: ['-n', '--adjustment'] },
  timeout: { valued: ['-k', '-s', '--kill-after', '--signal'], operands: 1 },
  stdbuf: { valued: ['-i', '-o', '-e'] },
  xargs: { valued: ['-a', '-d', '-E', '-I', '-L', '-n', '-P', '-s', '--arg-file', '--delimiter', '--eof', '--max-args', '--max-chars', '--max-lines', '--max-procs'] },
  nohup: {},
  setsid: {},
  time: {},
  command: {},
  builtin: {},
};
const AS_ANOTHER_USER = new Set(['sudo', 'doas']);

/** `NAME=value`, `NAME+=value`, `NAME[i]=value`. */
function isAssignment(word: string): boolean {
  const first = word.charCodeAt(0);
  if (!(isWordChar(first) && !(first >= 48 && first <= 57))) return false;
  let k = 1;
  while (k < word.length && isWordChar(word.charCodeAt(k))) k++;
  if (word[k] === '[') {
    const close = word.indexOf(']', k);
    if (close < 0) return false;
    k = close + 1;
  }
  if (word[k] === '+') k++;
  return word[k] === '=';
}

function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}

/**
 * The view of `words[from..to)`: skips assignments, reserved words and wrappers, each word
 * once; `env -S 'text'` hands its text to `nested`.
 */
function viewCommand(words: readonly ShellWord[], from: number, to: number, meter: WorkMeter, nested: (text: string) => void): CommandView | undefined {
  meter.steps += to - from;
  let wrappers: string[] | undefined;
  let k = from;
  for (;;) {
    while (k < to) {
      const t = (words[k] as ShellWord).text;
      if (KEYWORDS.has(t) || isAssignment(t)) k++;
      else if (t === 'function') k += 2; // `function name`: what follows is its body
      else break;
    }
    if (k >= to) return undefined;
    const name = (words[k] as ShellWord).text;
    const spec = WRAPPERS[name];
    if (!spec) break;
    let j = k + 1;
    let operands = spec.operands ?? 0;
    let lookup = false;
    while (j < to) {
      const t = (words[j] as ShellWord).text;
      if (t === '--') {
        j++;
        break;
      }
      if (t.startsWith('-') && t.length > 1) {
        if (name === 'env' && (t === '-S' || t === '--split-string')) nested(words[j + 1]?.text ?? '');
        if (name === 'command' && /^-[a-zA-Z]*[vV]/.test(t)) lookup = true; // `command -v x` only looks x up
        j += spec.valued?.includes(t) ? 2 : 1;
      } else if (isAssignment(t)) j++;
      else if (operands > 0) {
        operands--;
        j++;
      } else break;
    }
    if (lookup || j >= to) break; // nothing wrapped: the wrapper is the command
    (wrappers ??= []).push(name);
    k = j;
  }
  return view(words, k, to, wrappers ?? NONE);
}

function view(words: readonly ShellWord[], at: number, to: number, wrappers: readonly string[]): CommandView {
  const name = (words[at] as ShellWord).text;
  const args = at + 1 < to ? words.slice(at + 1, to) : NONE;
  let short = '';
  let long: string[] | undefined;
  let operands: string[] | undefined;
  let sub: string | undefined;
  let subAt = -1;
  for (let k = 0; k < args.length; k++) {
    const t = (args[k] as ShellWord).text;
    if (t.startsWith('--')) (long ??= []).push(t.includes('=') ? t.slice(0, t.indexOf('=')) : t);
    else if (t.startsWith('-') && t.length > 1) {
      for (let j = 1; j < t.length; j++) if (!short.includes(t[j] as string)) short += t[j];
    } else {
      (operands ??= []).push(t);
      if (sub === undefined && !(name === 'git' && ['-C', '-c', '--git-dir', '--work-tree', '--namespace'].includes(args[k - 1]?.text ?? ''))) {
        sub = t;
        subAt = k;
      }
    }
  }
  return { name, at, args, short, long: long ?? NONE, operands: operands ?? NONE, sub, subAt, wrappers };
}

const SHELLS = new Set(['sh', 'bash', 'zsh', 'dash', 'ksh']);
/** Interpreters that read their program from stdin when given no script. */
const INTERPRETERS = new Set(['python', 'python3', 'perl', 'ruby', 'node', 'php']);
/** Tools that download: their output fed to a shell is a downloaded script. */
const DOWNLOADERS = new Set(['curl', 'wget', 'fetch']);
/** Commands that run text given to them (as an argument, a file or a substitution) as code. */
const RUNS_TEXT = new Set([...SHELLS, ...INTERPRETERS, 'eval', 'source', '.']);

/** The command string of `sh -c '…'` (the first operand after options including `c`). */
function shellCommandString(args: readonly ShellWord[]): string | undefined {
  let c = false;
  for (let k = 0; k < args.length; k++) {
    const t = (args[k] as ShellWord).text;
    if (t === '-o' || t === '+o' || t === '-O' || t === '+O' || t === '--rcfile' || t === '--init-file') k++;
    else if (t === '--' || t === '-') return c ? args[k + 1]?.text : undefined;
    else if (t.startsWith('--')) continue;
    else if (t.startsWith('-') || t.startsWith('+')) c ||= t.startsWith('-') && shortCluster(t).includes('c');
    else return c ? t : undefined;
  }
  return undefined;
}

/** Text a command runs as shell code: `sh -c '…'`, `eval …`, `su -c '…'`, the script a shell reads from a here-document. */
function codeIn(c: CommandView, cmd: SimpleCommand): readonly string[] {
  if (c.name === 'eval') return [c.args.map((w) => w.text).join(' ')];
  if (c.name === 'su') {
    const k = c.args.findIndex((w) => w.text === '--command' || shortCluster(w.text).endsWith('c'));
    const inline = c.args.find((w) => w.text.startsWith('--command='));
    return [...(k >= 0 ? [c.args[k + 1]?.text ?? ''] : []), ...(inline ? [inline.text.slice('--command='.length)] : [])];
  }
  if (!SHELLS.has(c.name)) return NONE;
  const code = shellCommandString(c.args);
  if (code !== undefined) return [code];
  return [...cmd.heredocs.map((d) => d.body), ...cmd.redirections.filter((r) => r.op === '<<<' && r.target).map((r) => (r.target as ShellWord).text)];
}

/** The commands `find … -exec cmd … ;` runs, as word ranges. */
function execRanges(words: readonly ShellWord[], c: CommandView): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  for (let k = c.at + 1; k < words.length; k++) {
    if (!FIND_ACTIONS.has((words[k] as ShellWord).text) || (words[k] as ShellWord).text === '-delete') continue;
    let end = k + 1;
    while (end < words.length && !['+', ';'].includes((words[end] as ShellWord).text)) end++;
    ranges.push([k + 1, end]);
    k = end;
  }
  return ranges;
}

/** Where a command's text starts: after leading assignments, as the old splitter showed it. */
function textStart(cmd: SimpleCommand): number {
  return cmd.words.find((w) => !isAssignment(w.text))?.start ?? cmd.words[0]?.start ?? cmd.start;
}

function commandText(cmd: SimpleCommand): string {
  const from = textStart(cmd);
  return clip(cmd.source.slice(from, Math.min(cmd.end, from + 121)).trim());
}

// -- a whole line --

function classifyLine(line: string, scope: Scope, tally: Tally): void {
  const { meter } = scope;
  if (scope.depth === 0 && downloadPipedIntoShell(line, meter)) tally.note('critical', `pipes a download into a shell: ${clip(line)}`);
  const nested = (text: string): void => {
    if (scope.depth >= MAX_NESTING) tally.note('high', `nests commands too deeply to classify: ${clip(text)}`);
    else classifyLine(text, { ...scope, depth: scope.depth + 1 }, tally);
  };
  // Each command is classified as the reader ends it, and then dropped. Within a group the
  // stages of a pipeline come one after the other, so what a pipeline did so far is kept per
  // group id. Functions are defined before they are called (a fork bomb defines, then pipes).
  const functions = new Set<string>();
  const pipelineOf: number[] = [];
  const downloaded: boolean[] = []; // an earlier stage of that group's current pipeline downloads
  const previousName: Array<string | undefined> = [];
  const groupsWithDownload = new Set<number>();
  const reading = readShell(line, (cmd) => {
    if (cmd.defines !== undefined) {
      functions.add(cmd.defines);
      return;
    }
    if (cmd.words[0]?.text === 'function' && cmd.words[1]) functions.add(cmd.words[1].text);
    const c = viewCommand(cmd.words, 0, cmd.words.length, meter, nested);
    classifySimple(cmd, c, scope, tally, nested);
    const g = cmd.group;
    if (pipelineOf[g] !== cmd.pipeline) {
      pipelineOf[g] = cmd.pipeline;
      downloaded[g] = false;
      previousName[g] = undefined;
    }
    if (!c) return;
    if (downloaded[g] && (SHELLS.has(c.name) || (INTERPRETERS.has(c.name) && (c.operands.length === 0 || c.operands[0] === '-')))) {
      tally.note('critical', `pipes a download into a shell: ${commandText(cmd)}`);
    }
    if (DOWNLOADERS.has(c.name)) {
      downloaded[g] = true;
      groupsWithDownload.add(g);
    }
    if (cmd.stage > 0 && previousName[g] === c.name && functions.has(c.name)) tally.note('critical', `fork bomb: ${commandText(cmd)}`);
    previousName[g] = c.name;
  });
  meter.steps += reading.steps;
  if (reading.tooDeep) tally.note('high', `nests quotes or substitutions too deeply to classify (over ${MAX_OPEN} open)`);
  for (const text of reading.unclear) nested(text);
  // the groups that hold a downloading group also produce downloaded text
  for (const g of [...groupsWithDownload]) {
    for (let h = reading.groups[g]?.parent?.command.group; h !== undefined && !groupsWithDownload.has(h); h = reading.groups[h]?.parent?.command.group) groupsWithDownload.add(h);
  }

  // a substitution that downloads, read by a shell or interpreter or run as the command itself
  const parents = new Map<SimpleCommand, CommandView | undefined>();
  for (const group of reading.groups) {
    if (!group.parent || !groupsWithDownload.has(group.id)) continue;
    const { command, word } = group.parent;
    if (!parents.has(command)) parents.set(command, viewCommand(command.words, 0, command.words.length, meter, () => undefined));
    const parent = parents.get(command);
    if (parent && (RUNS_TEXT.has(parent.name) || word === parent.at)) tally.note('critical', `runs a downloaded script: ${commandText(command)}`);
  }
}

function classifySimple(cmd: SimpleCommand, c: CommandView | undefined, scope: Scope, tally: Tally, nested: (text: string) => void): void {
  let rated = c ? classifyView(cmd, c, scope, tally, nested, true) : false;
  for (const target of writeTargets(cmd, c)) {
    const r = pathRisk(target, scope.workdir, scope.addDirs);
    if (r.level === 'medium') tally.note('medium', `writes ${clip(target)} inside the agent's workdir`);
    else tally.add(r);
    rated = true;
  }
  if (rated || !c) return;
  if (onlyReads(c)) tally.note('low', onlyReadsReason(c.name));
  else tally.note('medium', `runs ${commandText(cmd)}`);
}

/** Wrappers, argument targets, the first matching rule, code run by the command. True when something rated it. */
function classifyView(cmd: SimpleCommand, c: CommandView, scope: Scope, tally: Tally, nested: (text: string) => void, withExec: boolean): boolean {
  let rated = false;
  for (const w of c.wrappers) {
    if (AS_ANOTHER_USER.has(w)) tally.note('critical', `runs as another user (sudo/su): ${commandText(cmd)}`);
    if (w === 'exec') tally.note('high', `runs code it builds at run time: ${commandText(cmd)}`);
    rated ||= AS_ANOTHER_USER.has(w) || w === 'exec';
  }
  for (const target of argumentTargets(c)) {
    const r = pathRisk(target, scope.workdir, scope.addDirs);
    // inside the workdir the command's own rule (below) sets the level; outside is critical
    if (r.level === 'medium') continue;
    tally.add(r);
    rated = true;
  }
  const rule = PER_COMMAND.find((r) => r.test(c));
  if (rule) {
    tally.note(rule.level, `${rule.why}: ${commandText(cmd)}`);
    rated = true;
  }
  for (const code of codeIn(c, cmd)) nested(code);
  if (withExec && c.name === 'find') {
    for (const [from, to] of execRanges(cmd.words, c)) {
      const inner = viewCommand(cmd.words, from, to, scope.meter, nested);
      if (inner) rated = classifyView(cmd, inner, scope, tally, nested, false) || rated;
    }
  }
  return rated;
}

/**
 * The rule as it always read, on the raw text with its quotes: a download (`curl`, `wget`,
 * `fetch`) whose output is piped into a shell — so code for another interpreter
 * (`python -c "…curl … | sh…"`), which the reader does not read as shell, still counts.
 * One pass; after a `|` only the blanks and one `sudo` are looked at again.
 */
function downloadPipedIntoShell(line: string, meter: WorkMeter): boolean {
  meter.steps += line.length;
  let download = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (c === '|') {
      if (download && shellAt(line, i + 1)) return true;
      download = false;
    } else if (c === ';' || c === '&') download = false;
    else if (!download && (c === 'c' || c === 'w' || c === 'f') && wordAt(line, i, DOWNLOADERS)) download = true;
  }
  return false;
}

function wordAt(line: string, i: number, words: Iterable<string>): boolean {
  if (i > 0 && isWordChar(line.charCodeAt(i - 1))) return false;
  for (const w of words) if (line.startsWith(w, i) && !isWordChar(line.charCodeAt(i + w.length))) return true;
  return false;
}

const BLANK = /\s/;

/** `\s*(sudo\s+)?(ba|z|da|k)?sh\b` at `i`. */
function shellAt(line: string, i: number): boolean {
  let k = i;
  while (k < line.length && BLANK.test(line[k] as string)) k++;
  if (line.startsWith('sudo', k) && BLANK.test(line[k + 4] ?? '')) {
    k += 4;
    while (k < line.length && BLANK.test(line[k] as string)) k++;
  }
  return wordAt(line, k, SHELLS);
}

function clip(s: string, max = 120): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
