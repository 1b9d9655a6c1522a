import { existsSync, rmSync } from 'node:fs';
import type { ParsedChangeOp } from '../../shared/registry/changes.js';
import { compressedPathOf, insideOrThrow } from '../../shared/registry/layout.js';
import { atomicWrite } from '../../shared/registry/toml-io.js';
import { createWorkspace, type PlannedWrite } from './workspace.js';

export type { PlannedWrite } from './workspace.js';

/**
 * One list of operations turned into new file contents, in memory first (a workspace of
 * one change, read fresh from disk): throws RegistryChangeError / RegistryFileInvalidError
 * when it cannot apply. Only when all of that worked are the files written.
 */
export function planChange(dir: string, ops: readonly ParsedChangeOp[]): PlannedWrite[] {
  const workspace = createWorkspace(dir);
  workspace.apply(ops);
  return workspace.render();
}

/** Every path a planned write may touch: a conversation day may also have its closed `.gz` form. */
export function journalPathsOf(writes: readonly PlannedWrite[]): string[] {
  return writes.flatMap((w) => (w.rel.includes('/conversations/') ? [w.rel, compressedPathOf(w.rel)] : [w.rel]));
}

/** Writes planned contents (atomically, one by one); returns every path the commit must include. */
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
