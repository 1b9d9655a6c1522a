import type { ParsedChangeOp } from '../../shared/registry/changes.js';
import { joinKeyed, keyedAfterWrite, parseKeyedToml, preambleText, sectionText, type KeyedDocument } from '../../shared/registry/keyed-toml.js';
import type { FileRef } from '../../shared/registry/layout.js';
import type { TomlTable } from '../../shared/registry/toml-io.js';
import { applyKeyOp, cloneDoc, isTable, type KeyOp } from './toml-ops.js';
import { refuse, stringifyChecked, validate, type WorkingFile } from './working-files.js';

/**
 * agents.toml (or mcp-services.toml) as a group of changes edits it. A create touches one
 * entry of 2,000: the cost of a change must be that entry, not the file — copying the id
 * table alone costs ~1 ms at 2,000 agents (V8, a dictionary-mode object), per change.
 *
 * A change whose operations all address entries (`[agents, <id>, ...]`, the usual case) is
 * undone by a log: each entry it touches is remembered as it was (and copied before being
 * edited: the entry may be the frozen one the writer's cache shares), and the table's key
 * order is saved once if it removes an entry (removing and restoring would move it to the
 * end). The document and its id table are copied once per group, not per change.
 *
 * Any other change (the preamble, the whole id table, `replace`, `remove`) copies the top
 * and id tables for itself and is checked and written whole. Both kinds are undone exactly;
 * test/registry/group-apply.test.ts compares a group with its changes applied one by one.
 *
 * Only the sections of touched entries are stringified at the end (keyed-toml.ts); the
 * others keep their text, a person's comments in them included.
 */
export function keyedFile(rel: string, ref: FileRef, base: KeyedDocument): WorkingFile {
  const key = base.key;
  /** the document now; `base.doc` (frozen, shared) until the group first changes it */
  let top: TomlTable | null = base.doc as TomlTable;

  // the current change
  let entriesOnly = true;
  let before: TomlTable | null = top;
  const undo = new Map<string, { had: boolean; value: unknown }>();
  let order: string[] | undefined;
  let createdTable = false;
  let wasRemoved = false;
  const touched = new Set<string>();
  let copied = false;
  const owned = new Set<string>();

  // the kept changes
  const dirty = new Set<string>();
  let whole = false;
  let changed = false;
  /** what render() joined, to remember it without splitting the text again */
  let joined: { preamble: string; parts: { id: string; text: string }[] } | undefined;

  const isEntryOp = (op: ParsedChangeOp): op is KeyOp => 'key' in op && op.key[0] === key && op.key.length >= 2;
  const isObject = (v: unknown): v is TomlTable => v !== null && typeof v === 'object' && !(v instanceof Date);

  const applyEntry = (doc: TomlTable, op: KeyOp): void => {
    const id = op.key[1]!;
    const table = doc[key];
    if (isTable(table) && !undo.has(id)) {
      const had = Object.hasOwn(table, id);
      undo.set(id, { had, value: had ? table[id] : undefined });
      if (had && isObject(table[id])) table[id] = cloneDoc(table[id]);
    }
    if (op.op === 'unset' && op.key.length === 2 && isTable(table) && Object.hasOwn(table, id)) order ??= Object.keys(table);
    touched.add(id);
    applyKeyOp(doc, op);
  };

  /** a change that is not only entries: the document and id table it edits are its own copies */
  const applyWhole = (op: ParsedChangeOp): void => {
    if (op.op === 'remove' || op.op === 'replace') {
      top = op.op === 'remove' ? null : cloneDoc(op.content);
      copied = true;
      owned.add('*');
      return;
    }
    if (op.op === 'write-text') return;
    if (!copied || top === null) {
      top = { ...(top ?? {}) };
      if (isTable(top[key])) top[key] = { ...top[key] };
      copied = true;
    }
    const [first, second] = op.key;
    // A nested table edited in place is copied first, so the one before the change stays as
    // it was. (An operation on a top-level key replaces that value: nothing to copy.)
    if (first !== undefined && second !== undefined && !owned.has('*')) {
      const [parent, name] = first === key ? [top[key], second] : [top, first];
      const mark = `${first === key ? '=' : '^'}${name}`;
      if (isTable(parent) && !owned.has(mark)) {
        owned.add(mark);
        if (isObject(parent[name])) parent[name] = cloneDoc(parent[name]);
      }
      if (first === key) touched.add(second);
    }
    applyKeyOp(top, op);
  };

  return {
    rel,
    ref,
    begin(ops) {
      entriesOnly = ops.every(isEntryOp);
      before = top;
      undo.clear();
      order = undefined;
      createdTable = false;
      wasRemoved = false;
      touched.clear();
      copied = false;
      owned.clear();
      if (!entriesOnly) return;
      if (top === null) {
        wasRemoved = true;
        top = {};
      } else if (top === base.doc) {
        // once per group: the cached document stays frozen and shared
        top = { ...top };
        if (isTable(top[key])) top[key] = { ...top[key] };
      }
      createdTable = top[key] === undefined;
    },
    apply(op) {
      if (op.op === 'write-text') return refuse(`write-text is for markdown files, not ${rel}`);
      if (entriesOnly) applyEntry(top!, op as KeyOp);
      else applyWhole(op);
    },
    check() {
      if (top === null) return;
      if (!entriesOnly) {
        stringifyChecked(rel, top);
        validate(rel, ref, top);
        return;
      }
      const table = top[key];
      if (!isTable(table)) return;
      for (const id of touched) {
        if (!Object.hasOwn(table, id)) continue;
        const one = { [key]: { [id]: table[id] } };
        stringifyChecked(rel, one);
        // the schema checks each id's table on its own (file-schemas.ts, KEYED_TABLES)
        validate(rel, ref, one);
      }
    },
    keep() {
      changed = true;
      whole ||= !entriesOnly;
      for (const id of touched) dirty.add(id);
    },
    rollback() {
      if (!entriesOnly || wasRemoved) {
        top = before;
        return;
      }
      const doc = top!;
      if (createdTable) {
        delete doc[key];
        return;
      }
      const table = doc[key] as TomlTable; // entry operations never replace the id table
      for (const [id, was] of undo) {
        if (was.had) table[id] = was.value;
        else delete table[id];
      }
      if (order) {
        const rebuilt: TomlTable = {};
        for (const id of order) if (Object.hasOwn(table, id)) rebuilt[id] = table[id];
        doc[key] = rebuilt;
      }
    },
    get changed() {
      return changed;
    },
    current: () => top,
    render() {
      joined = undefined;
      if (top === null) return null;
      const { [key]: table, ...rest } = top;
      // a preamble that holds `[key]` itself (the file of an empty table) is written anew
      const preamble = whole || Object.hasOwn(base.preambleDoc, key) ? preambleText(rest) : base.preamble;
      const parts: { id: string; text: string }[] = [];
      if (isTable(table)) {
        for (const [id, value] of Object.entries(table)) {
          const kept = base.sections.get(id);
          parts.push({ id, text: !whole && kept && !dirty.has(id) ? kept.text : sectionText(key, id, value as TomlTable) });
        }
        // an empty table stays a table (a file the reader then parses whole)
        if (parts.length === 0) return joinKeyed(preamble, [`[${key}]\n`]);
      }
      joined = { preamble, parts };
      return joinKeyed(preamble, parts.map((p) => p.text));
    },
    loaded(rendered) {
      if (rendered === null) return undefined;
      // What the reader would read from the text: built from the joined parts (only the
      // rewritten sections are parsed), or, for the rare file that is not only sections, read back.
      const keyed = joined ? keyedAfterWrite(base, ref.family, joined.preamble, joined.parts) : parseKeyedToml(rendered, ref.family, base);
      return keyed ? { kind: 'keyed', keyed } : undefined;
    },
  };
}
