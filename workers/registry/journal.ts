import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { insideOrThrow, RUNTIME_DIR } from '../../shared/registry/layout.js';
import { atomicWrite } from '../../shared/registry/toml-io.js';

/**
 * The writer's intent journal (`.runtime/registry-journal.json`): before it writes the
 * files of a commit it records the change ids the commit will carry and the paths it may
 * touch; after the commit it clears it. A writer killed in between leaves the journal, and
 * the next writer puts exactly those paths back to HEAD (unless the commit did land — its
 * trailers hold the ids), so each retried job applies its change once, on clean files, and
 * edits made by people to other files are untouched. A group commit's ids all land in one
 * commit or none do, so the first id tells.
 */
export interface JournalEntry {
  changeIds: string[];
  paths: string[];
}

const FILE = path.join(RUNTIME_DIR, 'registry-journal.json');

export function writeJournal(dir: string, entry: JournalEntry): void {
  atomicWrite(path.join(dir, FILE), JSON.stringify(entry));
}

export function clearJournal(dir: string): void {
  rmSync(path.join(dir, FILE), { force: true });
}

export function readJournal(dir: string): JournalEntry | undefined {
  const p = path.join(dir, FILE);
  if (!existsSync(p)) return undefined;
  try {
    const j = JSON.parse(readFileSync(p, 'utf8')) as Partial<JournalEntry> & { changeId?: unknown };
    if (!Array.isArray(j.paths)) return undefined;
    // a journal from a writer before group commits named one change
    const ids = Array.isArray(j.changeIds) ? j.changeIds : typeof j.changeId === 'string' ? [j.changeId] : undefined;
    return ids && ids.length > 0 ? { changeIds: ids.map(String), paths: j.paths.map(String) } : undefined;
  } catch {
    return undefined; // a torn journal write: nothing was written after it
  }
}

/** Puts paths back to their HEAD state: unstage, restore tracked files, delete files HEAD does not have. */
export async function restoreToHead(dir: string, git: SimpleGit, paths: readonly string[]): Promise<void> {
  for (const p of paths) insideOrThrow(dir, p);
  if (paths.length === 0) return;
  await git.raw(['reset', '-q', 'HEAD', '--', ...paths]).catch(() => undefined);
  const tracked = new Set((await git.raw(['ls-tree', '-r', '--name-only', 'HEAD', '--', ...paths])).split('\n').filter(Boolean));
  if (tracked.size > 0) await git.raw(['checkout', 'HEAD', '--', ...tracked]);
  for (const p of paths) if (!tracked.has(p)) rmSync(insideOrThrow(dir, p), { force: true });
}

/**
 * On start: puts the journal's paths back to their HEAD state when its commit did not land.
 * Returns what it did, for the log.
 */
export async function repairFromJournal(dir: string, git: SimpleGit, committed: (changeId: string) => boolean): Promise<{ changeIds: string[]; restored: string[] } | undefined> {
  const entry = readJournal(dir);
  if (!entry) return undefined;
  if (committed(entry.changeIds[0]!)) {
    clearJournal(dir);
    return { changeIds: entry.changeIds, restored: [] };
  }
  await restoreToHead(dir, git, entry.paths);
  clearJournal(dir);
  return { changeIds: entry.changeIds, restored: entry.paths };
}
