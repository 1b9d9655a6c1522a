import { existsSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { SimpleGit } from 'simple-git';
import { insideOrThrow, RUNTIME_DIR } from '../../shared/registry/layout.js';
import { atomicWrite } from '../../shared/registry/toml-io.js';

/**
 * The writer's intent journal (`.runtime/registry-journal.json`): before it writes the
 * files of a change it records the change id and the paths; after the commit it clears
 * it. A writer killed in between leaves the journal, and the next writer puts exactly
 * those paths back to HEAD (unless the commit did land), so the retried job applies the
 * change once — on clean files — and edits made by people to other files are untouched.
 */
export interface JournalEntry {
  changeId: string;
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
    const j = JSON.parse(readFileSync(p, 'utf8')) as JournalEntry;
    return Array.isArray(j.paths) && typeof j.changeId === 'string' ? j : undefined;
  } catch {
    return undefined; // a torn journal write: nothing was written after it
  }
}

/**
 * Puts the journal's paths back to their HEAD state when the change was not committed.
 * Returns what it did, for the log.
 */
export async function repairFromJournal(dir: string, git: SimpleGit, committed: (changeId: string) => boolean): Promise<{ changeId: string; restored: string[] } | undefined> {
  const entry = readJournal(dir);
  if (!entry) return undefined;
  if (committed(entry.changeId)) {
    clearJournal(dir);
    return { changeId: entry.changeId, restored: [] };
  }
  const paths = entry.paths.map((p) => {
    insideOrThrow(dir, p);
    return p;
  });
  if (paths.length > 0) {
    // Unstage, then restore tracked files and delete files HEAD does not have.
    await git.raw(['reset', '-q', 'HEAD', '--', ...paths]).catch(() => undefined);
    const tracked = new Set((await git.raw(['ls-tree', '-r', '--name-only', 'HEAD', '--', ...paths])).split('\n').filter(Boolean));
    if (tracked.size > 0) await git.raw(['checkout', 'HEAD', '--', ...tracked]);
    for (const p of paths) if (!tracked.has(p)) rmSync(insideOrThrow(dir, p), { force: true });
  }
  clearJournal(dir);
  return { changeId: entry.changeId, restored: paths };
}
