import type { RedirectionOp } from './shell-syntax.js';

/** Bash's small lexical pieces the shell reader (shell-reader.ts) needs: operators and `$'…'` escapes. */

/** The redirection operator starting at `i` (a `<` or `>`). */
export function operator(s: string, i: number): RedirectionOp {
  const two = s.slice(i, i + 2);
  if (s[i] === '>') return two === '>>' ? '>>' : two === '>|' ? '>|' : two === '>&' ? '>&' : '>';
  if (s.slice(i, i + 3) === '<<<') return '<<<';
  if (s.slice(i, i + 3) === '<<-') return '<<-';
  return two === '<<' ? '<<' : two === '<>' ? '<>' : two === '<&' ? '<&' : '<';
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v', '\\': '\\', "'": "'", '"': '"', '?': '?' };

/** One escape of `$'…'` starting after its backslash: the character and how many were used. */
export function ansiEscape(s: string, k: number): [string, number] {
  const c = s[k] as string;
  const simple = SIMPLE_ESCAPES[c];
  if (simple !== undefined) return [simple, 1];
  const digits = (re: RegExp, max: number, from: number): string => {
    let d = '';
    while (d.length < max && from + d.length < s.length && re.test(s[from + d.length] as string)) d += s[from + d.length];
    return d;
  };
  const hex = /[0-9a-fA-F]/;
  if (c === 'x' || c === 'u' || c === 'U') {
    const d = digits(hex, c === 'x' ? 2 : c === 'u' ? 4 : 8, k + 1);
    const code = d ? Number.parseInt(d, 16) : NaN;
    return Number.isNaN(code) || code > 0x10ffff ? [`\\${c}`, 1] : [String.fromCodePoint(code), 1 + d.length];
  }
  if (c >= '0' && c <= '7') {
    const d = digits(/[0-7]/, 3, k);
    return [String.fromCharCode(Number.parseInt(d, 8) & 0xff), d.length];
  }
  if (c === 'c' && k + 1 < s.length) return [String.fromCharCode((s.charCodeAt(k + 1) & 0x1f) >>> 0), 2];
  return [`\\${c}`, 1];
}
