import { RegistryChangeError } from '../../shared/errors/registry-errors.js';
import type { ParsedChangeOp } from '../../shared/registry/changes.js';
import { FILE_SCHEMAS } from '../../shared/registry/file-schemas.js';
import type { FileRef } from '../../shared/registry/layout.js';
import { deepFreeze, stringifyToml, type TomlTable } from '../../shared/registry/toml-io.js';
import type { LoadedFile } from './doc-cache.js';
import { applyKeyOp, cloneDoc } from './toml-ops.js';

/**
 * One registry file as a group of changes edits it in memory. The changes of a group are
 * applied one after another to the same working file; each is bracketed by `begin()` and
 * then `keep()` or `rollback()`, so a change that fails leaves the file as the changes
 * before it left it. Three kinds:
 * - keyed TOML (agents.toml, mcp-services.toml): keyed-working-file.ts — a change touches
 *   a few entries, and only those are copied, checked and (at the end) stringified;
 * - other TOML: the document is cloned when a change starts on it, stringified and checked
 *   after the change (these files are small, or appended to in batches);
 * - markdown (tasks/<id>.md): text.
 */
export interface WorkingFile {
  readonly rel: string;
  readonly ref: FileRef;
  /** a change starts on this file, with these operations on it: what it does from now on can be undone */
  begin(ops: readonly ParsedChangeOp[]): void;
  apply(op: ParsedChangeOp): void;
  /** the file after the current change must be valid and representable (RegistryChangeError) */
  check(): void;
  keep(): void;
  rollback(): void;
  /** true once a change to it was kept */
  readonly changed: boolean;
  /** the document now (TOML), null once removed; undefined for markdown */
  current(): Readonly<TomlTable> | null | undefined;
  /** the content after every kept change; null = delete the file */
  render(): string | null;
  /** what the rendered content reads as (for the writer's cache) */
  loaded(rendered: string | null): LoadedFile | undefined;
}

export const refuse = (message: string): never => {
  throw new RegistryChangeError(message);
};

export function stringifyChecked(rel: string, doc: TomlTable): string {
  try {
    return stringifyToml(doc);
  } catch (err) {
    throw new RegistryChangeError(`${rel}: the result is not representable in TOML: ${(err as Error).message}`);
  }
}

export function validate(rel: string, ref: FileRef, doc: unknown): void {
  const check = FILE_SCHEMAS[ref.family as keyof typeof FILE_SCHEMAS].safeParse(doc);
  if (!check.success) {
    const issue = check.error.issues[0]!;
    refuse(`${rel}: the change would make it invalid: ${issue.path.join('.')} ${issue.message}`);
  }
}

export function markdownFile(rel: string, ref: FileRef, text: string | null): WorkingFile {
  let current = text;
  let saved = text;
  let changed = false;
  return {
    rel,
    ref,
    begin: () => void (saved = current),
    apply(op) {
      if (op.op === 'write-text') current = op.text;
      else if (op.op === 'remove') current = null;
      else refuse(`${op.op} needs a TOML file, ${rel} is markdown`);
    },
    check: () => undefined,
    keep: () => void (changed = true),
    rollback: () => void (current = saved),
    get changed() {
      return changed;
    },
    current: () => undefined,
    render: () => current,
    loaded: (rendered) => ({ kind: 'text', text: rendered }),
  };
}

export function tomlFile(rel: string, ref: FileRef, base: Readonly<TomlTable>): WorkingFile {
  let doc: TomlTable | null = base as TomlTable; // frozen until a change clones it
  let text: string | null = null;
  let saved: { doc: TomlTable | null; text: string | null } = { doc, text };
  let changed = false;
  return {
    rel,
    ref,
    begin() {
      saved = { doc, text };
      if (doc !== null) doc = cloneDoc(doc);
    },
    apply(op) {
      if (op.op === 'write-text') return refuse(`write-text is for markdown files, not ${rel}`);
      if (op.op === 'remove') doc = null;
      else if (op.op === 'replace') doc = cloneDoc(op.content);
      else applyKeyOp((doc ??= {}), op);
    },
    check() {
      if (doc === null) {
        text = null;
        return;
      }
      text = stringifyChecked(rel, doc);
      validate(rel, ref, doc);
    },
    keep: () => void (changed = true),
    rollback: () => void ({ doc, text } = saved),
    get changed() {
      return changed;
    },
    current: () => doc,
    render: () => text,
    loaded: () => (doc === null ? undefined : { kind: 'toml', doc: deepFreeze(doc) }),
  };
}
