import { Buffer } from 'node:buffer';
import { parse } from 'smol-toml';
import { FILE_SCHEMAS, KEYED_TABLES } from './file-schemas.js';
import type { Family } from './layout.js';
import { deepFreeze, stringifyToml, type TomlTable } from './toml-io.js';

/**
 * Keyed TOML files — agents.toml (`[agents.<id>]`), mcp-services.toml (`[services.<id>]`) —
 * hold one table per id under one top-level key. At fleet size (2,000 agents ≈ 1 MB) parsing
 * or stringifying the whole file on every change is the cost that grows (about 80 ms and
 * 30 ms here), so such a file is handled in sections: the preamble (the text before the
 * first `[<key>.<id>]` header) and one section per id, from its header to the next one. A
 * section is parsed on its own and its value reused while its text is unchanged; a writer
 * stringifies only the sections it changed and joins the rest as they were.
 *
 * Why splitting is sound: a header line splits the text only where it really opens a table,
 * because a split inside a multi-line string or array leaves the part before it unclosed,
 * and that part then fails to parse on its own. Every section must parse to exactly
 * `{key: {id: ...}}` with its own id, ids must be distinct and the preamble must not hold
 * `key`: then the whole text parses to the preamble plus the sections, which is what is
 * returned. Anything else (a quoted id, `[agents]` with scalars, a table after the
 * sections, a broken file) gives undefined and the caller parses the whole text as before —
 * which also reports errors with their line numbers.
 */
export interface KeyedSection {
  /** the section's text, header included, up to the next header */
  readonly text: string;
  /** its table (frozen) */
  readonly value: Readonly<TomlTable>;
}

export interface KeyedDocument {
  readonly key: string;
  /** the whole document (frozen): the preamble's keys plus `key` → the sections' tables */
  readonly doc: Readonly<TomlTable>;
  readonly preamble: string;
  readonly preambleDoc: Readonly<TomlTable>;
  /** by id, in file order */
  readonly sections: ReadonlyMap<string, KeyedSection>;
}

export function keyedTableOf(family: Family): string | undefined {
  return KEYED_TABLES[family];
}

const headers = new Map<string, RegExp>();
function headerPattern(key: string): RegExp {
  let re = headers.get(key);
  if (!re) {
    re = new RegExp(`^\\[${key}\\.([A-Za-z0-9_-]+)\\][ \\t]*(?:#.*)?$`, 'gm');
    headers.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

/**
 * A copy that does not share memory with the text it was sliced from: V8 keeps a slice's
 * parent string alive, and a cached section must not pin every old version of a 1 MB file.
 */
const ownCopy = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

function parseTable(text: string): TomlTable | undefined {
  try {
    return parse(text) as TomlTable;
  } catch {
    return undefined;
  }
}

/** Sections and document of a keyed file's text, reusing `previous`'s parsed sections; undefined when the text cannot be read by sections. */
export function parseKeyedToml(text: string, family: Family, previous?: KeyedDocument): KeyedDocument | undefined {
  const key = keyedTableOf(family);
  if (!key) return undefined;
  const starts = [...text.matchAll(headerPattern(key))].map((m) => ({ at: m.index, id: m[1]! }));
  const preamble = text.slice(0, starts[0]?.at ?? text.length);
  const parts = starts.map(({ at, id }, i) => ({ id, text: text.slice(at, starts[i + 1]?.at ?? text.length) }));
  return fromParts(key, family, preamble, parts, previous);
}

/**
 * The document a writer has just written with `joinKeyed(preamble, parts)`, without
 * splitting the whole text again: the same as `parseKeyedToml(joined)`, because the parts
 * were joined at their headers and none holds another header line (a stringified value is
 * one line per key; a kept section was split by the same pattern). Unchanged parts are
 * reused from `previous`, new ones parsed alone.
 */
export function keyedAfterWrite(previous: KeyedDocument, family: Family, preamble: string, parts: readonly { id: string; text: string }[]): KeyedDocument | undefined {
  const ended = (t: string): string => (t.endsWith('\n') ? t : `${t}\n`);
  return fromParts(previous.key, family, preamble && ended(preamble), parts.map((p) => ({ id: p.id, text: ended(p.text) })), previous);
}

function fromParts(key: string, family: Family, preamble: string, parts: readonly { id: string; text: string }[], previous?: KeyedDocument): KeyedDocument | undefined {
  const schema = FILE_SCHEMAS[family as keyof typeof FILE_SCHEMAS];
  let preambleDoc: TomlTable | undefined = previous?.preamble === preamble ? previous.preambleDoc : undefined;
  if (!preambleDoc) {
    preambleDoc = parseTable(preamble);
    if (!preambleDoc || !schema.safeParse(preambleDoc).success) return undefined;
    deepFreeze(preambleDoc);
  }
  if (parts.length > 0 && Object.hasOwn(preambleDoc, key)) return undefined;

  const sections = new Map<string, KeyedSection>();
  const table: TomlTable = {};
  const fresh: TomlTable = {};
  for (const { id, text } of parts) {
    if (sections.has(id)) return undefined; // the same table twice: the whole-text parse says where
    const before = previous?.sections.get(id);
    let section: KeyedSection;
    if (before && before.text === text) {
      section = before;
    } else {
      const parsed = parseTable(text);
      const inner = parsed?.[key] as TomlTable | undefined;
      if (!parsed || Object.keys(parsed).length !== 1 || !inner || Object.keys(inner).length !== 1 || !Object.hasOwn(inner, id)) return undefined;
      fresh[id] = inner[id];
      section = { text: ownCopy(text), value: inner[id] as TomlTable };
    }
    sections.set(id, section);
    table[id] = section.value;
  }
  // New sections are checked together: one schema call, not one per section (the schema
  // checks each id's table on its own, so together is the same as one by one).
  if (Object.keys(fresh).length > 0) {
    if (!schema.safeParse({ [key]: fresh }).success) return undefined;
    deepFreeze(fresh);
  }
  const doc: TomlTable = { ...preambleDoc };
  if (parts.length > 0) doc[key] = Object.freeze(table);
  return { key, doc: Object.freeze(doc), preamble, preambleDoc, sections };
}

/**
 * The text of one section: `[key.id]` and its table, then a blank line. The header is
 * always there — smol-toml leaves it out for a table that holds only sub-tables, and the
 * section would then not start where the next reader splits.
 */
export function sectionText(key: string, id: string, value: Readonly<TomlTable>): string {
  const body = stringifyToml({ [key]: { [id]: value } });
  const header = `[${key}.${id}]\n`;
  return `${body.startsWith(header) || !/^[A-Za-z0-9_-]+$/.test(id) ? body : header + body}\n`;
}

/** The text of a preamble document (everything but `key`); empty when there is nothing. */
export function preambleText(docWithoutKey: Readonly<TomlTable>): string {
  return Object.keys(docWithoutKey).length === 0 ? '' : `${stringifyToml(docWithoutKey)}\n`;
}

/** Joins a preamble and sections into the file's text (each part ends its last line). */
export function joinKeyed(preamble: string, sections: Iterable<string>): string {
  let text = preamble && !preamble.endsWith('\n') ? `${preamble}\n` : preamble;
  for (const s of sections) text += s.endsWith('\n') ? s : `${s}\n`;
  return text;
}
