/**
 * What the shell reader (shell-reader.ts) gives: the simple commands of a bash line with
 * their words, redirections, here-documents, pipelines and substitution groups.
 */

/** One word of a command, as bash would pass it (before globbing). */
export interface ShellWord {
  /** quotes and escapes removed; `$x` and `${x}` kept as written; a substitution reads `$(…)` */
  text: string;
  /** holds an expansion (`$x`, `${x}`, `$(…)`, `` `…` ``, `<(…)`): its run-time value is unknown */
  dynamic: boolean;
  /** some part of it was quoted or escaped */
  quoted: boolean;
  /** offset of its first character in the source */
  start: number;
}

export type RedirectionOp = '>' | '>>' | '>|' | '&>' | '&>>' | '<>' | '>&' | '<' | '<&' | '<<' | '<<-' | '<<<';

export interface Redirection {
  op: RedirectionOp;
  /** the file descriptor written before the operator (`2>`) */
  fd?: string;
  /** the file (or descriptor, for `>&`/`<&`; the delimiter, for `<<`); missing at the end of a line */
  target?: ShellWord;
}

/** A here-document given to a command. */
export interface HereDoc {
  body: string;
  /** the delimiter was unquoted: `$(…)` and `` `…` `` in the body run */
  expands: boolean;
}

export interface SimpleCommand {
  words: ShellWord[];
  redirections: readonly Redirection[];
  heredocs: readonly HereDoc[];
  /** the text it was read from and its span there */
  source: string;
  start: number;
  end: number;
  /** the command list it belongs to: 0 is the line itself, each substitution has its own */
  group: number;
  /** pipelines are numbered across the whole line; `stage` 0 is the first command of one */
  pipeline: number;
  stage: number;
  /** `name()` or `function name`: the command only names a function about to be defined */
  defines?: string;
}

/** A command list: the line itself (id 0) or the inside of one substitution. */
export interface CommandGroup {
  id: number;
  /** the command whose word (index, or -1 for a redirection or a here-document) holds it */
  parent?: { command: SimpleCommand; word: number };
}

export interface ShellReading {
  /** every simple command, in the order they end; empty when they were handed to `onCommand` */
  commands: SimpleCommand[];
  groups: CommandGroup[];
  /**
   * Text that reads as arithmetic (`$((…))`, `((…))`) but that bash may run as commands: it
   * falls back to a substitution or subshells when the parentheses do not close as `))`
   * (`$((cd x); rm -r y)`). Read it again as a command line.
   */
  unclear: string[];
  /**
   * More than MAX_OPEN quotes, substitutions and the like were open at once: reading
   * stopped there, and `commands` holds what came before. No real command nests so deep.
   */
  tooDeep: boolean;
  /** characters visited, look-aheads included: at most a small multiple of the length */
  steps: number;
}
