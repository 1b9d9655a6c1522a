import type { Redirection, ShellWord, SimpleCommand } from './shell-syntax.js';

/**
 * The shell reader's contexts (shell-reader.ts): its explicit stack holds one of these per
 * open construct — a command list, a quote or `${…}`, arithmetic, a here-document body.
 */

/** A command list being read: the line, `$(…)`, `` `…` `` or `<(…)`. */
export interface ListContext {
  kind: 'list';
  group: number;
  closer: ')' | '`' | '';
  /** open `(` subshells inside this list */
  parens: number;
  command: SimpleCommand;
  word: ShellWord | undefined;
  redirect: Omit<Redirection, 'target'> | undefined;
  pipeline: number;
  stage: number;
}

/** Contexts inside a word: their text goes to the host list's word, when `keep` is set. */
export interface WordContext {
  kind: 'double' | 'param';
  host: ListContext | undefined;
  /** the command that owns the here-document this context is in, when there is no host */
  owner: SimpleCommand | undefined;
  keep: boolean;
}

/** `$((…))` or `((…))`: only parentheses and substitutions matter. */
export interface ArithContext {
  kind: 'arith';
  host: ListContext | undefined;
  owner: SimpleCommand | undefined;
  /** open parentheses (2 right after `((`) */
  depth: number;
  /** where the text starts that bash would run if this is not arithmetic after all */
  from: number;
  unclear: boolean;
  /** the arithmetic this one is inside: its text holds this one's, so only the outermost is read again */
  outer: ArithContext | undefined;
}

export interface PendingHereDoc {
  delimiter: string;
  stripTabs: boolean;
  expands: boolean;
  owner: SimpleCommand;
}

export interface HereDocContext {
  kind: 'heredoc';
  doc: PendingHereDoc;
  queue: PendingHereDoc[];
  bodyStart: number;
  atLineStart: boolean;
}

export type Context = ListContext | WordContext | ArithContext | HereDocContext;
