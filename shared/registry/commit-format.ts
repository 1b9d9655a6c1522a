import type { Actor } from './changes.js';

/**
 * How a registry commit says what it holds — written by the registry writer, read by the
 * history views (registry-history.ts) and by the writer on start (the change ids it has
 * applied). One place for both sides, so they cannot drift.
 *
 * One change (the message as subject; unchanged since the first registry):
 * ```
 * add agent a1
 *
 * Nox-Actor: user:alice
 * Nox-Change: spawn-a1-17
 * Nox-Kind: change
 * ```
 * A group commit (several changes waiting in the queue, committed together): the subject
 * counts them, the body lists each change's message on its own line, and the trailers hold
 * one `Nox-Actor` + `Nox-Change` pair per change, in the same order. git has one author per
 * commit: it is the first change's actor, and every other actor of the group is named in a
 * `Co-authored-by` trailer (the convention git hosts show). Nox's own views never rely on
 * the author: the actor filter matches any `Nox-Actor` line, and `changesOf` pairs the
 * trailers back into one record per change.
 * ```
 * 3 changes: create agent a1; create agent a2; set memory of a9
 *
 * - create agent a1
 * - create agent a2
 * - set memory of a9
 *
 * Nox-Actor: user:alice
 * Nox-Change: agent-create-a1-20261128
 * Nox-Actor: user:alice
 * Nox-Change: agent-create-a2-20261128
 * Nox-Actor: agent:a9
 * Nox-Change: c-3f1e...
 * Nox-Kind: change
 * Co-authored-by: a9 <a9@agents.nox.local>
 * ```
 */
export const TRAILER = { change: 'Nox-Change', actor: 'Nox-Actor', kind: 'Nox-Kind', appendSeq: 'Nox-Append-Seq' } as const;

export interface ChangeLine {
  changeId: string;
  actor: Actor;
  message: string;
}

const SUBJECT_MAX = 200;

/** git author of an actor: `user:alice` → `alice <alice@users.nox.local>`. */
export function authorOf(actor: Actor): string {
  if (actor === 'system') return 'Nox <system@nox.local>';
  const [kind, name] = actor.split(':') as [string, string];
  return `${name} <${name}@${kind === 'agent' ? 'agents' : 'users'}.nox.local>`;
}

/** The actor of a commit made without trailers (by hand, or by git itself), from its author's email. */
export function actorOfEmail(email: string): string {
  const m = /^([^@]+)@(users|agents)\.nox\.local$/.exec(email);
  if (m) return `${m[2] === 'agents' ? 'agent' : 'user'}:${m[1]}`;
  return email === 'system@nox.local' ? 'system' : `external:${email}`;
}

/** a message on one line without control characters (they would break the log's record separators) */
const oneLine = (s: string): string => s.replace(/[\u0000-\u001f\u007f]/g, ' ');

/** The full commit message for one or more changes (see above), and who authors it. */
export function commitMessage(changes: readonly ChangeLine[], kind: string, extra: { appendSeq?: string } = {}): { message: string; author: Actor } {
  const first = changes[0];
  if (!first) throw new TypeError('a commit needs at least one change');
  const pairs = changes.flatMap((c) => [`${TRAILER.actor}: ${c.actor}`, `${TRAILER.change}: ${c.changeId}`]);
  const coAuthors = [...new Set(changes.map((c) => c.actor))].filter((a) => a !== first.actor).map((a) => `Co-authored-by: ${authorOf(a)}`);
  const trailers = [...pairs, `${TRAILER.kind}: ${kind}`, ...(extra.appendSeq === undefined ? [] : [`${TRAILER.appendSeq}: ${extra.appendSeq}`]), ...coAuthors];
  if (changes.length === 1) return { message: `${oneLine(first.message)}\n\n${trailers.join('\n')}\n`, author: first.actor };
  let subject = `${changes.length} changes: ${changes.map((c) => oneLine(c.message)).join('; ')}`;
  if (subject.length > SUBJECT_MAX) subject = `${subject.slice(0, SUBJECT_MAX - 1)}…`;
  const list = changes.map((c) => `- ${oneLine(c.message)}`).join('\n');
  return { message: `${subject}\n\n${list}\n\n${trailers.join('\n')}\n`, author: first.actor };
}

/**
 * One record per change of a commit, from its subject, body and trailer values (in order).
 * A commit of one change has its subject as the message; a group commit has the body's list.
 */
export function changesOf(subject: string, body: string, changeIds: readonly string[], actors: readonly string[]): ChangeLine[] {
  if (changeIds.length === 0) return [];
  const listed = body
    .split('\n')
    .filter((l) => l.startsWith('- '))
    .map((l) => l.slice(2));
  const messages = changeIds.length > 1 && listed.length === changeIds.length ? listed : changeIds.map(() => subject);
  return changeIds.map((changeId, i) => ({ changeId, actor: (actors[i] ?? actors[0] ?? 'system') as Actor, message: messages[i]! }));
}
