import { RegistryChangeError } from '../../shared/errors/registry-errors.js';
import type { ParsedChangeOp } from '../../shared/registry/changes.js';
import type { TomlTable } from '../../shared/registry/toml-io.js';

/**
 * Applies one key-path operation to a TOML document (a plain object, already cloned).
 * Pure: no I/O, so it is easy to reason about and to test.
 */
export type KeyOp = Extract<ParsedChangeOp, { op: 'set' | 'merge' | 'unset' | 'push' | 'upsert' | 'delete-item' }>;

export const isTable = (v: unknown): v is TomlTable => typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);

/** Walks to the parent table of `key`, creating tables on the way when `create`. */
function parentOf(doc: TomlTable, key: readonly string[], create: boolean): TomlTable | undefined {
  let node = doc;
  for (const [i, part] of key.slice(0, -1).entries()) {
    const next = Object.hasOwn(node, part) ? node[part] : undefined;
    if (next === undefined) {
      if (!create) return undefined;
      node[part] = {};
      node = node[part] as TomlTable;
    } else if (isTable(next)) {
      node = next;
    } else {
      throw new RegistryChangeError(`${key.slice(0, i + 1).join('.')} is not a table`);
    }
  }
  return node;
}

function arrayAt(doc: TomlTable, key: readonly string[]): unknown[] {
  const parent = parentOf(doc, key, true)!;
  const last = key[key.length - 1]!;
  const current = Object.hasOwn(parent, last) ? parent[last] : undefined;
  if (current === undefined) {
    parent[last] = [];
  } else if (!Array.isArray(current)) {
    throw new RegistryChangeError(`${key.join('.')} is not an array`);
  }
  return parent[last] as unknown[];
}

export function applyKeyOp(doc: TomlTable, op: KeyOp): void {
  const key = op.key;
  switch (op.op) {
    case 'set': {
      parentOf(doc, key, true)![key[key.length - 1]!] = op.value;
      return;
    }
    case 'merge': {
      if (key.length === 0) {
        Object.assign(doc, op.value);
        return;
      }
      const parent = parentOf(doc, key, true)!;
      const last = key[key.length - 1]!;
      const current = Object.hasOwn(parent, last) ? parent[last] : undefined;
      if (current !== undefined && !isTable(current)) throw new RegistryChangeError(`${key.join('.')} is not a table`);
      parent[last] = { ...(current as TomlTable | undefined), ...op.value };
      return;
    }
    case 'unset': {
      const parent = parentOf(doc, key, false);
      if (parent) delete parent[key[key.length - 1]!];
      return;
    }
    case 'push': {
      const arr = arrayAt(doc, key);
      arr.push(...op.items);
      if (op.max !== undefined && arr.length > op.max) arr.splice(0, arr.length - op.max);
      return;
    }
    case 'upsert': {
      const arr = arrayAt(doc, key);
      const id = op.item[op.idField];
      if (id === undefined) throw new RegistryChangeError(`upsert item has no ${op.idField}`);
      const index = arr.findIndex((x) => isTable(x) && x[op.idField] === id);
      if (index >= 0) arr[index] = op.item;
      else arr.push(op.item);
      return;
    }
    case 'delete-item': {
      const arr = arrayAt(doc, key);
      const index = arr.findIndex((x) => isTable(x) && x[op.idField] === op.id);
      if (index >= 0) arr.splice(index, 1);
      return;
    }
  }
}

/** A deep copy of a parsed document (frozen cached values must not be edited). */
export function cloneDoc(doc: Readonly<TomlTable>): TomlTable {
  return structuredClone(doc) as TomlTable;
}
