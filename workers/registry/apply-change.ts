import { existsSync, rmSync } from 'node:fs';
import { RegistryChangeError } from '../../shared/errors/registry-errors.js';
import type { ParsedChangeOp } from '../../shared/registry/changes.js';
import { FILE_SCHEMAS } from '../../shared/registry/file-schemas.js';
import { compressedPathOf, files, insideOrThrow, isTomlFamily, relativePathOf, type FileRef } from '../../shared/registry/layout.js';
import { renderTasksMarkdown } from '../../shared/registry/task-markdown.js';
import { taskRecordSchema, type TaskRecord } from '../../shared/registry/task-record.js';
import { atomicWrite, parseRegistryToml, readText, stringifyToml, type TomlTable } from '../../shared/registry/toml-io.js';
import { applyKeyOp, cloneDoc } from './toml-ops.js';

/**
 * Turns a list of operations into new file contents, in memory first: every touched file
 * is read (and must be valid — a broken hand-edited file is refused, never overwritten),
 * every operation applied in order, every result validated. Only when all of that worked
 * are the files written (atomically, one by one). Returns the paths to commit.
 */
export interface PlannedWrite {
  rel: string;
  /** new content, or null to delete */
  content: string | null;
}

export function planChange(dir: string, ops: readonly ParsedChangeOp[]): PlannedWrite[] {
  const docs = new Map<string, { ref: FileRef; doc: TomlTable | null; text?: string | null; changed: boolean }>();

  const load = (ref: FileRef) => {
    const rel = relativePathOf(ref);
    let slot = docs.get(rel);
    if (!slot) {
      const text = readText(dir, rel);
      if (isTomlFamily(ref.family)) {
        slot = { ref, doc: text === undefined ? {} : cloneDoc(parseRegistryToml(text, rel, ref.family as never)), changed: false };
      } else {
        slot = { ref, doc: null, text: text ?? null, changed: false };
      }
      docs.set(rel, slot);
    }
    return { rel, slot };
  };

  for (const op of ops) {
    const { rel, slot } = load(op.file);
    slot.changed = true;
    if (op.op === 'write-text') {
      if (isTomlFamily(op.file.family)) throw new RegistryChangeError(`write-text is for markdown files, not ${rel}`);
      slot.text = op.text;
    } else if (op.op === 'remove') {
      slot.doc = null;
      slot.text = null;
    } else if (!isTomlFamily(op.file.family)) {
      throw new RegistryChangeError(`${op.op} needs a TOML file, ${rel} is markdown`);
    } else if (op.op === 'replace') {
      slot.doc = cloneDoc(op.content);
    } else {
      slot.doc ??= {};
      applyKeyOp(slot.doc, op);
    }
  }

  const writes: PlannedWrite[] = [];
  for (const [rel, slot] of docs) {
    if (!slot.changed) continue;
    if (!isTomlFamily(slot.ref.family)) {
      writes.push({ rel, content: slot.text ?? null });
      continue;
    }
    if (slot.doc === null) {
      writes.push({ rel, content: null });
      continue;
    }
    let text: string;
    try {
      text = stringifyToml(slot.doc);
    } catch (err) {
      throw new RegistryChangeError(`${rel}: the result is not representable in TOML: ${(err as Error).message}`);
    }
    const check = FILE_SCHEMAS[slot.ref.family as keyof typeof FILE_SCHEMAS].safeParse(slot.doc);
    if (!check.success) {
      const issue = check.error.issues[0]!;
      throw new RegistryChangeError(`${rel}: the change would make it invalid: ${issue.path.join('.')} ${issue.message}`);
    }
    writes.push({ rel, content: text });
    if (slot.ref.family === 'agent-tasks' && !docs.has(relativePathOf(files.tasksMarkdown(slot.ref.agentId)))) {
      // Keep tasks/<id>.md in step with tasks.toml, in the same commit.
      const tasks = ((slot.doc.tasks ?? []) as TaskRecord[]).map((t) => taskRecordSchema.parse(t));
      writes.push({ rel: relativePathOf(files.tasksMarkdown(slot.ref.agentId)), content: renderTasksMarkdown(slot.ref.agentId, tasks) });
    }
  }
  return writes;
}

/** Writes planned contents; returns every path the commit must include. */
export function writePlanned(dir: string, writes: readonly PlannedWrite[]): string[] {
  const paths: string[] = [];
  for (const w of writes) {
    const abs = insideOrThrow(dir, w.rel);
    if (w.content === null) {
      for (const p of [w.rel, compressedPathOf(w.rel)]) {
        if (existsSync(insideOrThrow(dir, p))) {
          rmSync(insideOrThrow(dir, p), { force: true });
          paths.push(p);
        }
      }
      continue;
    }
    atomicWrite(abs, w.content);
    paths.push(w.rel);
    // A change to a closed (compressed) conversation day reopens it as plain text.
    const gz = compressedPathOf(w.rel);
    if (w.rel.includes('/conversations/') && existsSync(insideOrThrow(dir, gz))) {
      rmSync(insideOrThrow(dir, gz), { force: true });
      paths.push(gz);
    }
  }
  return paths;
}

