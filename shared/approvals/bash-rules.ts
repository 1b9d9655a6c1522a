import type { RiskLevel } from './approval-request.js';
import path from 'node:path';
import { NONE } from './risk-core.js';
import type { ShellWord, SimpleCommand } from './shell-reader.js';

/**
 * The rules that rate one simple command of a Bash line (bash-risk.ts reads the line and
 * applies them): what a command is (CommandView), the per-command rules, what only reads,
 * and which paths a command writes.
 */
/** What a simple command runs once assignments, keywords and wrappers (sudo, env, nohup…) are set aside. */
export interface CommandView {
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

export interface CommandRule {
  level: RiskLevel;
  why: string;
  test(c: CommandView): boolean;
}

export const named = (...names: string[]): ((c: CommandView) => boolean) => {
  const set = new Set(names);
  return (c) => set.has(c.name);
};
/** Has one of these short option letters or long options. */
export function hasOption(c: CommandView, letters: string, ...long: string[]): boolean {
  for (const l of letters) if (c.short.includes(l)) return true;
  return long.some((l) => c.long.includes(l));
}

/** Checked on each simple command; the first that matches gives its level and reason. */
export const PER_COMMAND: readonly CommandRule[] = [
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

export const SYSTEM_FOLDERS: ReadonlySet<string> = new Set(['/', '~', '$HOME', '/home', '/etc', '/usr', '/var', '/root', '/bin', '/boot', '/dev', '/lib', '/lib64', '/opt', '/proc', '/sbin', '/srv', '/sys']);
export const FIND_ACTIONS: ReadonlySet<string> = new Set(['-delete', '-exec', '-execdir', '-ok', '-okdir']);

/** A folder argument as written, tidied: `/etc/` and `//etc` are `/etc`, `/*` is `/`, `${HOME}/` is `$HOME`. */
export function folder(arg: string): string {
  let p = arg.startsWith('${HOME}') ? `$HOME${arg.slice('${HOME}'.length)}` : arg;
  if (p.endsWith('/*')) p = p.slice(0, -2) || '/';
  if (p.startsWith('/')) p = path.posix.normalize(p);
  return p.length > 1 && p.endsWith('/') ? p.slice(0, -1) : p;
}

export function discardsGitWork(c: CommandView): boolean {
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

export const JS_VERBS = ['i', 'install', 'add', 'ci', 'update', 'upgrade', 'exec', 'dlx', 'x'];
export const PY_VERBS = ['install', 'add', 'sync'];
export const OS_VERBS = ['install', 'add', '-S', 'upgrade', 'remove'];
export const PACKAGE_VERBS: Readonly<Record<string, readonly string[]>> = {
  ...Object.fromEntries(['npm', 'pnpm', 'yarn', 'bun'].map((n) => [n, JS_VERBS])),
  ...Object.fromEntries(['pip', 'pip3', 'pipx', 'uv', 'poetry'].map((n) => [n, PY_VERBS])),
  ...Object.fromEntries(['apt', 'apt-get', 'yum', 'dnf', 'apk', 'zypper', 'pacman', 'brew', 'port', 'snap'].map((n) => [n, OS_VERBS])),
  ...Object.fromEntries(['cargo', 'go', 'gem'].map((n) => [n, ['install', 'get']])),
};

/** `npx`, or a package manager whose first argument is an install verb (`npm install`, `apt-get install`…). */
export function installsPackages(c: CommandView): boolean {
  if (c.name === 'npx') return true;
  const verbs = PACKAGE_VERBS[c.name];
  const first = c.args[0]?.text;
  return verbs !== undefined && first !== undefined && verbs.some((v) => first.startsWith(v) && !isWordChar(first.charCodeAt(v.length)));
}

/** Commands that only read (or print): low risk, when nothing above matched. */
export const READ_ONLY_COMMANDS = new Set([
  'ls', 'cat', 'pwd', 'echo', 'printf', 'head', 'tail', 'wc', 'grep', 'rg', 'find', 'which', 'whoami', 'date', 'env', 'true', 'false',
  'stat', 'file', 'du', 'df', 'tree', 'sort', 'uniq', 'cut', 'diff', 'less', 'more', 'test', '[', 'basename', 'dirname', 'realpath', 'uname', 'id',
]);
export const READ_ONLY_GIT = new Set(['status', 'diff', 'log', 'show', 'branch', 'rev-parse', 'ls-files', 'blame', 'describe']);

export const onlyReadsReasons = new Map<string, string>();
/** The same string for every `ls` of a line: the tally compares reasons, and equal objects compare at once. */
export function onlyReadsReason(name: string): string {
  let reason = onlyReadsReasons.get(name);
  if (reason === undefined) onlyReadsReasons.set(name, (reason = `${name} only reads`));
  return reason;
}

export function onlyReads(c: CommandView): boolean {
  if (c.name !== 'git') return READ_ONLY_COMMANDS.has(c.name);
  if (c.sub === 'remote') return c.args[c.subAt + 1]?.text.startsWith('-v') ?? false;
  if (c.sub === 'tag') return c.subAt === c.args.length - 1;
  return c.sub !== undefined && READ_ONLY_GIT.has(c.sub);
}

// -- what a command writes --

/** Commands that write (create, change or delete) the paths they are given. */
export const WRITES_EVERY_ARG = new Set(['rm', 'rmdir', 'mv', 'touch', 'mkdir', 'truncate', 'shred', 'unlink']);
export const WRITES_LAST_ARG = new Set(['cp', 'ln', 'install', 'rsync']);

/** Paths a command writes through its arguments (not redirections). */
export function argumentTargets(c: CommandView): readonly string[] {
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
export function shortCluster(word: string): string {
  if (!word.startsWith('-') || word.startsWith('--')) return '';
  let k = 1;
  while (k < word.length && /[a-zA-Z]/.test(word[k] as string)) k++;
  return word.slice(1, k);
}

export const WRITE_OPS = new Set(['>', '>>', '>|', '&>', '&>>', '<>', '>&']);
export const HARMLESS_SINKS = new Set(['/dev/null', '/dev/stdout', '/dev/stderr', '/dev/tty']);

/** Files written by redirections, `tee` and `dd of=`. */
export function writeTargets(cmd: SimpleCommand, c: CommandView | undefined): readonly string[] {
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

/** [0-9A-Za-z_] */
export function isWordChar(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
}
