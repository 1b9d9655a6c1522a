import type { ParsedChangeOp } from '../../shared/registry/changes.js';
import { parseKeyedToml, keyedTableOf } from '../../shared/registry/keyed-toml.js';
import { files, isTomlFamily, relativePathOf, type FileRef } from '../../shared/registry/layout.js';
import { renderTasksMarkdown } from '../../shared/registry/task-markdown.js';
import { taskRecordSchema, type TaskRecord } from '../../shared/registry/task-record.js';
import { parseRegistryToml, readText } from '../../shared/registry/toml-io.js';
import type { DocCache, LoadedFile } from './doc-cache.js';
import { keyedFile } from './keyed-working-file.js';
import { markdownFile, tomlFile, type WorkingFile } from './working-files.js';

/**
 * The files a group of changes edits, in memory. `apply(ops)` applies one change after
 * the ones kept before it: every touched file is read (once per group, or taken from the
 * writer's cache) and must be valid — a broken hand-edited file is refused, never
 * overwritten —, every operation applied in order, every result checked. A change that
 * fails is undone and throws; the others stay. `render()` then gives each changed file's
 * final content, so a file is written once per group however many changes touched it.
 */
export interface PlannedWrite {
  rel: string;
  /** new content, or null to delete */
  content: string | null;
}

export interface Workspace {
  /** applies one change; returns the paths it touched; throws (having undone it) when it cannot apply */
  apply(ops: readonly ParsedChangeOp[]): string[];
  /** the final content of every file a kept change touched */
  render(): PlannedWrite[];
  /** once the rendered files are on disk: keep their parsed form for the next group */
  remember(writes: readonly PlannedWrite[]): void;
}

export function createWorkspace(dir: string, cache?: DocCache): Workspace {
  const open = new Map<string, WorkingFile>();

  const fileOf = (ref: FileRef): WorkingFile => {
    const rel = relativePathOf(ref);
    let file = open.get(rel);
    if (!file) {
      let loaded = cache?.lookup(rel);
      if (!loaded) {
        const sig = cache?.signature(rel); // before reading: a write in between then shows as a new signature
        loaded = readFile(dir, rel, ref);
        if (cache && sig !== undefined) cache.remember(rel, loaded, sig);
      }
      file = workingFile(rel, ref, loaded);
      open.set(rel, file);
    }
    return file;
  };

  return {
    apply(ops) {
      const touched: WorkingFile[] = [];
      const touch = (ref: FileRef, its: readonly ParsedChangeOp[]): WorkingFile => {
        const file = fileOf(ref);
        if (!touched.includes(file)) {
          file.begin(its);
          touched.push(file);
        }
        return file;
      };
      const opsOf = (ref: FileRef): ParsedChangeOp[] => ops.filter((o) => relativePathOf(o.file) === relativePathOf(ref));
      try {
        for (const op of ops) touch(op.file, opsOf(op.file)).apply(op);
        const named = [...touched];
        for (const file of named) file.check();
        // Keep tasks/<id>.md in step with tasks.toml, in the same commit, unless the change wrote the markdown itself.
        for (const file of named) {
          if (file.ref.family !== 'agent-tasks') continue;
          const md = files.tasksMarkdown(file.ref.agentId);
          const doc = file.current();
          if (doc === null || doc === undefined || named.some((f) => f.rel === relativePathOf(md))) continue;
          const tasks = ((doc.tasks ?? []) as TaskRecord[]).map((t) => taskRecordSchema.parse(t));
          const render: ParsedChangeOp = { op: 'write-text', file: md, text: renderTasksMarkdown(file.ref.agentId, tasks) };
          touch(md, [render]).apply(render);
        }
      } catch (err) {
        for (const file of touched) file.rollback();
        throw err;
      }
      for (const file of touched) file.keep();
      return touched.map((f) => f.rel);
    },
    render() {
      return [...open.values()].filter((f) => f.changed).map((f) => ({ rel: f.rel, content: f.render() }));
    },
    remember(writes) {
      if (!cache) return;
      for (const w of writes) {
        const file = open.get(w.rel);
        const loaded = file?.loaded(w.content);
        if (loaded) cache.remember(w.rel, loaded, cache.signature(w.rel));
        else cache.forget(w.rel);
      }
    },
  };
}

/** A file as it is on disk; a broken TOML file throws RegistryFileInvalidError (file and line). */
function readFile(dir: string, rel: string, ref: FileRef): LoadedFile {
  const text = readText(dir, rel);
  if (!isTomlFamily(ref.family)) return { kind: 'text', text: text ?? null };
  const keyed = keyedTableOf(ref.family) ? parseKeyedToml(text ?? '', ref.family) : undefined;
  if (keyed) return { kind: 'keyed', keyed };
  return { kind: 'toml', doc: text === undefined ? {} : parseRegistryToml(text, rel, ref.family as never) };
}

function workingFile(rel: string, ref: FileRef, loaded: LoadedFile): WorkingFile {
  switch (loaded.kind) {
    case 'text':
      return markdownFile(rel, ref, loaded.text);
    case 'keyed':
      return keyedFile(rel, ref, loaded.keyed);
    case 'toml':
      return tomlFile(rel, ref, loaded.doc);
  }
}
