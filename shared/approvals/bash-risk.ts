import { assess, clip, NONE, pathRisk, Tally, type RiskAssessment } from './risk-core.js';
import { argumentTargets, FIND_ACTIONS, isWordChar, onlyReads, onlyReadsReason, PER_COMMAND, shortCluster, writeTargets, type CommandView } from './bash-rules.js';
import { MAX_OPEN, readShell, type ShellWord, type SimpleCommand } from './shell-reader.js';

/**
 * Risk of a Bash command line (docs/APPROVALS.md, "Risk"): read with the linear-time shell
 * reader, each simple command classified by the rules below, the riskiest part wins.
 */

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
