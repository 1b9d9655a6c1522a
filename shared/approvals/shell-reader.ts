/**
 * Reads a bash command line into the simple commands it would run, for the risk classifier
 * (risk.ts, docs/APPROVALS.md "Risk"). Not a shell and not a validator: it knows enough of
 * bash's grammar to find every simple command of a line — also those inside `$(…)`, `` `…` ``,
 * `<(…)`/`>(…)`, `${…}` and the `$(…)` of unquoted here-documents — with its words (quotes and
 * escapes removed), its redirections, the pipeline it is a stage of and, for a command run
 * by a substitution, the command whose word holds that substitution.
 *
 * Why a reader and not regular expressions: patterns such as `^rm\b.*\s-r.*\s/` backtrack,
 * and a 120 KB `rm -r -r -r …` held the event loop for seconds (issue "Secrets and
 * principals", item 8). Here work is linear in the length of the line: one loop with an
 * explicit stack of contexts (no recursion), each step moving forward, and the few
 * look-aheads counted. `steps` reports that work so tests can assert it without timing.
 *
 * Where this reader and bash could disagree, it errs towards seeing more commands: an
 * unterminated quote runs to the end, a stray `)` just ends a command, `case` patterns and
 * `[[ a > b ]]` are read as commands and redirections.
 */

import type { ArithContext, Context, HereDocContext, ListContext, PendingHereDoc, WordContext } from './shell-contexts.js';
import { ansiEscape, operator } from './shell-lexemes.js';
import type { CommandGroup, HereDoc, Redirection, RedirectionOp, ShellReading, ShellWord, SimpleCommand } from './shell-syntax.js';

export type { CommandGroup, HereDoc, Redirection, RedirectionOp, ShellReading, ShellWord, SimpleCommand } from './shell-syntax.js';

const PLAIN_IN_LIST = /[ \t\n;&|()<>\\'"`$]/g;
const PLAIN_IN_DOUBLE = /["\\$`]/g;
const PLAIN_IN_PARAM = /[}'"\\$`]/g;
const PLAIN_IN_ARITH = /[()$`]/g;
const PLAIN_IN_HEREDOC = /[\n\\$`]/g;
/** Contexts open at once (quotes, substitutions, here-documents…) before reading stops. */
export const MAX_OPEN = 100;
const NAME_START = /[A-Za-z0-9_@*#?$!-]/;
const DIGITS = /^[0-9]+$/;
/** Shared by every command without redirections or here-documents (most of them): fewer objects to collect. */
const NONE: readonly never[] = Object.freeze([]);

function addRedirection(cmd: SimpleCommand, r: Redirection): void {
  if (cmd.redirections === NONE) cmd.redirections = [r];
  else (cmd.redirections as Redirection[]).push(r);
}

function addHereDoc(cmd: SimpleCommand, doc: HereDoc): void {
  if (cmd.heredocs === NONE) cmd.heredocs = [doc];
  else (cmd.heredocs as HereDoc[]).push(doc);
}

/**
 * Reads `source` as bash would split it into simple commands. Linear in its length.
 * With `onCommand`, each command is handed over as it ends instead of kept: a caller that is
 * done with it lets it be collected young, which keeps long lines cheap in practice too.
 */
export function readShell(source: string, onCommand?: (command: SimpleCommand) => void): ShellReading {
  return new Reader(source, onCommand).read();
}

class Reader {
  private i = 0;
  private steps = 0;
  private nextPipeline = 0;
  private readonly stack: Context[] = [];
  private readonly commands: SimpleCommand[] = [];
  private readonly groups: CommandGroup[] = [];
  private readonly unclear: string[] = [];
  /** the innermost open arithmetic */
  private arith: ArithContext | undefined;
  private pending: PendingHereDoc[] = [];
  /** commands that ended while here-documents were pending or being read: handed over once they are read */
  private held: SimpleCommand[] | undefined;

  constructor(
    private readonly s: string,
    private readonly onCommand: ((command: SimpleCommand) => void) | undefined,
  ) {}

  read(): ShellReading {
    this.stack.push(this.list(0, ''));
    this.groups.push({ id: 0 });
    const n = this.s.length;
    let tooDeep = false;
    while (this.i < n) {
      if (this.stack.length > MAX_OPEN) {
        tooDeep = true;
        break;
      }
      const before = this.i;
      const top = this.stack[this.stack.length - 1] as Context;
      if (top.kind === 'list') this.inList(top);
      else if (top.kind === 'heredoc') this.inHereDoc(top);
      else if (top.kind === 'arith') this.inArith(top);
      else this.inWord(top);
      this.steps += 1 + (this.i - before);
    }
    // the end of the text closes whatever is still open
    for (let top = this.stack.pop(); top; top = this.stack.pop()) {
      if (top.kind === 'list') this.endCommand(top, false);
      if (top.kind === 'heredoc') addHereDoc(top.doc.owner, { body: this.s.slice(top.bodyStart), expands: top.doc.expands });
      if (top.kind === 'arith') this.closeArith(top, this.s.length, true);
    }
    this.pending = [];
    this.release();
    return { commands: this.commands, groups: this.groups, unclear: this.unclear, tooDeep, steps: this.steps };
  }

  // ---- command lists ----

  private list(group: number, closer: ListContext['closer']): ListContext {
    return { kind: 'list', group, closer, parens: 0, command: this.newCommand(group), word: undefined, redirect: undefined, pipeline: this.nextPipeline++, stage: 0 };
  }

  private newCommand(group: number): SimpleCommand {
    return { words: [], redirections: NONE, heredocs: NONE, source: this.s, start: -1, end: -1, group, pipeline: 0, stage: 0 };
  }

  private inList(ctx: ListContext): void {
    const s = this.s;
    const i = this.i;
    const c = s[i] as string;
    const next = s[i + 1];
    switch (c) {
      case ' ':
      case '\t':
        this.finishWord(ctx);
        this.i++;
        return;
      case '\n':
        this.endCommand(ctx, false);
        this.i++;
        this.startHereDocs();
        return;
      case ';':
        this.endCommand(ctx, false);
        this.i++;
        return;
      case '&':
        if (next === '>') return this.redirect(ctx, s[i + 2] === '>' ? '&>>' : '&>');
        this.endCommand(ctx, false);
        this.i += next === '&' ? 2 : 1;
        return;
      case '|':
        this.endCommand(ctx, next !== '|');
        this.i += next === '|' || next === '&' ? 2 : 1;
        return;
      case '(':
        return this.openParen(ctx);
      case ')':
        this.endCommand(ctx, false);
        this.i++;
        if (ctx.parens > 0) ctx.parens--;
        else if (ctx.closer === ')') this.stack.pop();
        return;
      case '<':
      case '>':
        if (next === '(') return this.openSubstitution(ctx, ctx, undefined, ')', 2, `${c}(…)`);
        return this.redirect(ctx, operator(s, i));
      case '`':
        if (ctx.closer === '`') {
          this.endCommand(ctx, false);
          this.stack.pop();
          this.i++;
          return;
        }
        return this.openSubstitution(ctx, ctx, undefined, '`', 1, '$(…)');
      case '\\':
        if (next === '\n') this.i += 2; // a line continuation
        else this.escaped(ctx, next);
        return;
      case "'":
        return this.singleQuoted(ctx);
      case '"':
        this.word(ctx).quoted = true;
        this.stack.push({ kind: 'double', host: ctx, owner: undefined, keep: true });
        this.i++;
        return;
      case '$':
        return this.dollar(ctx, ctx, undefined, true);
      case '#':
        if (!ctx.word) {
          // a comment runs to the end of the line
          const end = s.indexOf('\n', i);
          this.i = end < 0 ? s.length : end;
          return;
        }
        return this.plain(ctx, PLAIN_IN_LIST);
      default:
        return this.plain(ctx, PLAIN_IN_LIST);
    }
  }

  /** `(`: an arithmetic command `((…))`, a function definition `name()`, else a subshell. */
  private openParen(ctx: ListContext): void {
    this.finishWord(ctx);
    const cmd = ctx.command;
    if (this.s[this.i + 1] === '(' && cmd.words.length === 0 && !ctx.redirect) {
      this.openArith(ctx, undefined, this.i + 1);
      this.i += 2;
      return;
    }
    let j = this.i + 1;
    while (this.s[j] === ' ' || this.s[j] === '\t') j++;
    this.steps += j - this.i;
    if (cmd.words.length === 1 && cmd.redirections.length === 0 && this.s[j] === ')') {
      cmd.defines = (cmd.words[0] as ShellWord).text;
      this.i = j + 1;
    } else {
      ctx.parens++;
      this.i++;
    }
    this.endCommand(ctx, false);
  }

  private redirect(ctx: ListContext, op: RedirectionOp): void {
    const w = ctx.word;
    let fd: string | undefined;
    // `2>`: digits right before the operator name a descriptor, not a word
    if (w && !w.quoted && !w.dynamic && !ctx.redirect && DIGITS.test(w.text)) {
      fd = w.text;
      ctx.word = undefined;
      this.touch(ctx, w.start);
    } else {
      this.finishWord(ctx);
    }
    if (ctx.redirect) addRedirection(ctx.command, { ...ctx.redirect });
    this.touch(ctx, this.i);
    ctx.redirect = fd === undefined ? { op } : { op, fd };
    this.i += op.length;
  }

  private finishWord(ctx: ListContext): void {
    const w = ctx.word;
    if (!w) return;
    ctx.word = undefined;
    ctx.command.end = this.i;
    const r = ctx.redirect;
    if (!r) {
      ctx.command.words.push(w);
      return;
    }
    ctx.redirect = undefined;
    addRedirection(ctx.command, { ...r, target: w });
    if (r.op === '<<' || r.op === '<<-') this.pending.push({ delimiter: w.text, stripTabs: r.op === '<<-', expands: !w.quoted, owner: ctx.command });
  }

  /** Ends the current simple command; `piped` keeps the pipeline going (`|`). */
  private endCommand(ctx: ListContext, piped: boolean): void {
    this.finishWord(ctx);
    const cmd = ctx.command;
    if (ctx.redirect) {
      addRedirection(cmd, { ...ctx.redirect });
      ctx.redirect = undefined;
    }
    if (cmd.words.length > 0 || cmd.redirections.length > 0 || cmd.heredocs.length > 0) {
      if (cmd.end < 0) cmd.end = this.i;
      cmd.pipeline = ctx.pipeline;
      cmd.stage = ctx.stage;
      this.emit(cmd);
    }
    ctx.command = this.newCommand(ctx.group);
    if (piped) ctx.stage++;
    else {
      ctx.pipeline = this.nextPipeline++;
      ctx.stage = 0;
    }
  }

  /**
   * A here-document's body comes after the end of its command's line: a command is only handed
   * over with its body, and those after it wait too, so they still come in order.
   */
  private emit(cmd: SimpleCommand): void {
    if (!this.onCommand) this.commands.push(cmd);
    else if (this.held) this.held.push(cmd);
    else if (this.pending.length > 0) this.held = [cmd];
    else this.onCommand(cmd);
  }

  private release(): void {
    const held = this.held;
    if (!held || this.pending.length > 0 || this.stack.some((c) => c.kind === 'heredoc')) return;
    this.held = undefined;
    for (const cmd of held) this.onCommand?.(cmd);
  }

  private touch(ctx: ListContext, at: number): void {
    if (ctx.command.start < 0) ctx.command.start = at;
  }

  private word(ctx: ListContext): ShellWord {
    if (!ctx.word) {
      this.touch(ctx, this.i);
      ctx.word = { text: '', dynamic: false, quoted: false, start: this.i };
    }
    return ctx.word;
  }

  private append(host: ListContext | undefined, text: string, dynamic = false, quoted = false): void {
    if (!host) return;
    const w = this.word(host);
    w.text += text;
    if (dynamic) w.dynamic = true;
    if (quoted) w.quoted = true;
  }

  /** A run of ordinary characters, up to the next one `stops` names. */
  private plain(host: ListContext | undefined, stops: RegExp, first = true): void {
    stops.lastIndex = this.i + (first ? 1 : 0);
    const m = stops.exec(this.s);
    const end = m ? m.index : this.s.length;
    this.append(host, this.s.slice(this.i, end));
    this.i = end;
  }

  private escaped(host: ListContext | undefined, next: string | undefined): void {
    this.append(host, next ?? '\\', false, next !== undefined);
    this.i += next === undefined ? 1 : 2;
  }

  private singleQuoted(host: ListContext | undefined): void {
    const end = this.s.indexOf("'", this.i + 1);
    const stop = end < 0 ? this.s.length : end;
    this.append(host, this.s.slice(this.i + 1, stop), false, true);
    this.i = Math.min(stop + 1, this.s.length);
  }

  /** `$'…'`: ANSI-C quoting, whose escapes can spell any character (`$'\x2f'` is `/`). */
  private ansiQuoted(host: ListContext | undefined): void {
    const s = this.s;
    let k = this.i + 2;
    let out = '';
    while (k < s.length && s[k] !== "'") {
      if (s[k] !== '\\' || k + 1 >= s.length) {
        out += s[k++];
        continue;
      }
      const [ch, used] = ansiEscape(s, k + 1);
      out += ch;
      k += 1 + used;
    }
    this.append(host, out, false, true);
    this.i = Math.min(k + 1, s.length);
  }

  /** `$`: a substitution, a parameter, ANSI-C or locale quoting, or a plain dollar sign. */
  private dollar(host: ListContext | undefined, parentList: ListContext | undefined, owner: SimpleCommand | undefined, quotes: boolean): void {
    const s = this.s;
    const next = s[this.i + 1];
    if (next === '(' && s[this.i + 2] === '(') {
      this.append(host, '$((…))', true);
      this.openArith(parentList, owner, this.i + 2);
      this.i += 3;
    } else if (next === '(') {
      this.openSubstitution(host, parentList, owner, ')', 2, '$(…)');
    } else if (next === '{') {
      this.append(host, '${', true);
      this.stack.push({ kind: 'param', host: parentList, owner, keep: host !== undefined });
      this.i += 2;
    } else if (quotes && next === "'") {
      this.ansiQuoted(host);
    } else if (quotes && next === '"') {
      if (host) this.word(host).quoted = true;
      this.stack.push({ kind: 'double', host: parentList, owner, keep: host !== undefined });
      this.i += 2;
    } else {
      this.append(host, '$', next !== undefined && NAME_START.test(next));
      this.i++;
    }
  }

  /** `$(`, `` ` ``, `<(`, `>(`: a command list of its own, run while this word is expanded. */
  private openSubstitution(host: ListContext | undefined, parentList: ListContext | undefined, owner: SimpleCommand | undefined, closer: ')' | '`', length: number, placeholder: string): void {
    const id = this.groups.length;
    let parent: CommandGroup['parent'];
    if (parentList) parent = { command: parentList.command, word: parentList.redirect ? -1 : parentList.command.words.length };
    else if (owner) parent = { command: owner, word: -1 };
    this.append(host, placeholder, true);
    this.groups.push(parent ? { id, parent } : { id });
    this.stack.push(this.list(id, closer));
    this.i += length;
  }

  // ---- inside a word: "…", ${…} ----

  private inWord(ctx: WordContext): void {
    const s = this.s;
    const c = s[this.i] as string;
    const host = ctx.keep ? ctx.host : undefined;
    if (c === '`') return this.openSubstitution(host, ctx.host, ctx.owner, '`', 1, '$(…)');
    if (c === '$') return this.dollar(host, ctx.host, ctx.owner, ctx.kind !== 'double');
    if (ctx.kind === 'double') {
      if (c === '"') {
        this.stack.pop();
        this.i++;
      } else if (c === '\\') {
        const next = s[this.i + 1];
        if (next === '\n') this.i += 2;
        else if (next !== undefined && '$`"\\'.includes(next)) this.escaped(host, next);
        else this.plain(host, PLAIN_IN_DOUBLE);
      } else this.plain(host, PLAIN_IN_DOUBLE, false);
      return;
    }
    if (ctx.kind === 'param') {
      if (c === '}') {
        this.append(host, '}');
        this.stack.pop();
        this.i++;
      } else if (c === "'") this.singleQuoted(host);
      else if (c === '"') {
        this.stack.push({ kind: 'double', host: ctx.host, owner: ctx.owner, keep: ctx.keep });
        this.i++;
      } else if (c === '\\') this.escaped(host, s[this.i + 1]);
      else this.plain(host, PLAIN_IN_PARAM, false);
    }
  }

  private inArith(ctx: ArithContext): void {
    const s = this.s;
    const c = s[this.i] as string;
    if (c === '`') return this.openSubstitution(undefined, ctx.host, ctx.owner, '`', 1, '$(…)');
    if (c === '$') return this.dollar(undefined, ctx.host, ctx.owner, true);
    if (c === '(') ctx.depth++;
    else if (c === ')') {
      ctx.depth--;
      // arithmetic closes with `))`; a `)` down to one open parenthesis followed by anything
      // else means bash reads this as commands
      if (ctx.depth === 1 && s[this.i + 1] !== ')') ctx.unclear = true;
      if (ctx.depth === 0) {
        this.stack.pop();
        this.closeArith(ctx, this.i, ctx.unclear);
      }
    } else return this.plain(undefined, PLAIN_IN_ARITH, false);
    this.i++;
  }

  private openArith(host: ListContext | undefined, owner: SimpleCommand | undefined, from: number): void {
    const ctx: ArithContext = { kind: 'arith', host, owner, depth: 2, from, unclear: false, outer: this.arith };
    this.arith = ctx;
    this.stack.push(ctx);
  }

  /**
   * Unclear arithmetic is read again as commands, but only the outermost: its text holds the
   * inner ones, and reading each nested text again would cost the square of the length.
   */
  private closeArith(ctx: ArithContext, end: number, unclear: boolean): void {
    this.arith = ctx.outer;
    if (!unclear) return;
    if (ctx.outer) ctx.outer.unclear = true;
    else this.unclear.push(this.s.slice(ctx.from, end));
  }

  // ---- here-documents ----

  /** After a newline: the bodies of the here-documents its line opened come first. */
  private startHereDocs(): void {
    if (this.pending.length === 0) return;
    const [doc, ...queue] = this.pending as [PendingHereDoc, ...PendingHereDoc[]];
    this.pending = [];
    this.stack.push({ kind: 'heredoc', doc, queue, bodyStart: this.i, atLineStart: true });
  }

  private inHereDoc(ctx: HereDocContext): void {
    const s = this.s;
    const { doc } = ctx;
    if (ctx.atLineStart) {
      ctx.atLineStart = false;
      let k = this.i;
      if (doc.stripTabs) while (s[k] === '\t') k++;
      const nl = s.indexOf('\n', k);
      const end = nl < 0 ? s.length : nl;
      this.steps += end - this.i;
      if (end - k === doc.delimiter.length && s.startsWith(doc.delimiter, k)) {
        addHereDoc(doc.owner, { body: s.slice(ctx.bodyStart, this.i), expands: doc.expands });
        this.stack.pop();
        this.i = Math.min(end + 1, s.length);
        const [next, ...queue] = ctx.queue;
        if (next) this.stack.push({ kind: 'heredoc', doc: next, queue, bodyStart: this.i, atLineStart: true });
        else this.release();
        return;
      }
      if (!doc.expands) {
        // a quoted delimiter: the body is text, nothing in it runs
        this.i = end;
        return;
      }
    }
    const c = s[this.i] as string;
    if (c === '\n') {
      ctx.atLineStart = true;
      this.i++;
    } else if (!doc.expands) {
      const nl = s.indexOf('\n', this.i);
      this.i = nl < 0 ? s.length : nl;
    } else if (c === '\\') this.i += 2;
    else if (c === '$') this.dollar(undefined, undefined, doc.owner, false);
    else if (c === '`') this.openSubstitution(undefined, undefined, doc.owner, '`', 1, '$(…)');
    else this.plain(undefined, PLAIN_IN_HEREDOC, false);
  }
}
