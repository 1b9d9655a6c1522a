import { writeFileSync } from 'node:fs';
import { parse } from 'smol-toml';
import type { SimpleGit } from 'simple-git';
import { files, insideOrThrow, relativePathOf } from '../../shared/registry/layout.js';
import { stringifyToml, type TomlTable } from '../../shared/registry/toml-io.js';

/**
 * Files that only grow are merged as the union of their entries. The writer appends the
 * audit trail, conversation days and resource samples to whichever branch is current, so
 * two branches that both lived through a day both add that day's file; git sees an add/add
 * (or both-appended) conflict where there is no disagreement at all.
 *
 * The union is base + what ours added + what theirs added (a multiset: an entry that both
 * sides hold from the base counts once), ordered by `at` with ties kept in their order,
 * and capped like the writer caps it. Anything else that conflicts is a real conflict and
 * the caller refuses the merge.
 */
interface AppendOnlyFile {
  pattern: RegExp;
  key: string;
  max?: (configMax: number) => number;
}

const APPEND_ONLY: AppendOnlyFile[] = [
  { pattern: /^audit\/\d{4}-\d{2}-\d{2}\.toml$/, key: 'entries' },
  { pattern: /^agents\/[a-z0-9][a-z0-9-]{0,62}\/conversations\/\d{4}-\d{2}-\d{2}\.toml$/, key: 'entries' },
  { pattern: new RegExp(`^${relativePathOf(files.resourceUsage()).replace('.', '\\.')}$`), key: 'samples', max: (m) => m },
];

export function isAppendOnly(rel: string): boolean {
  return APPEND_ONLY.some((f) => f.pattern.test(rel));
}

/**
 * Resolves the conflicted append-only files of a merge in progress and stages them.
 * Returns the paths it could not resolve (not append-only, deleted on one side, unreadable):
 * when that list is not empty the merge must be aborted.
 */
export async function resolveAppendOnly(git: SimpleGit, dir: string, conflicted: string[], samplesKept: number): Promise<string[]> {
  const unresolved: string[] = [];
  for (const rel of conflicted) {
    const spec = APPEND_ONLY.find((f) => f.pattern.test(rel));
    const merged = spec ? await unionOf(git, rel, spec, samplesKept) : undefined;
    if (merged === undefined) {
      unresolved.push(rel);
      continue;
    }
    writeFileSync(insideOrThrow(dir, rel), merged);
    await git.raw(['add', '--', rel]);
  }
  return unresolved;
}

async function unionOf(git: SimpleGit, rel: string, spec: AppendOnlyFile, samplesKept: number): Promise<string | undefined> {
  // `ls-files -u`: one line per stage present, "<mode> <blob> <stage>\t<path>"
  const blobs = new Map<number, string>();
  for (const line of (await git.raw(['ls-files', '-u', '-z', '--', rel])).split('\0')) {
    const m = /^\d+ ([0-9a-f]+) ([123])\t/.exec(line);
    if (m) blobs.set(Number(m[2]), m[1]!);
  }
  const [base, ours, theirs] = await Promise.all([1, 2, 3].map((stage) => blobDoc(git, blobs.get(stage))));
  // deleted on one side (a day closed into its .gz) or not TOML: not ours to guess
  if (!ours || !theirs || base === null) return undefined;
  const listOf = (doc: TomlTable | undefined): unknown[] | undefined => {
    const list = doc?.[spec.key] ?? [];
    return Array.isArray(list) ? list : undefined;
  };
  const [b, o, t] = [listOf(base), listOf(ours), listOf(theirs)];
  if (!b || !o || !t) return undefined;
  const union = [...o, ...added(b, t)];
  // a stable sort: entries of the same instant keep the order they were written in
  const at = (e: unknown): string => (e && typeof e === 'object' && typeof (e as { at?: unknown }).at === 'string' ? (e as { at: string }).at : '');
  union.sort((x, y) => (at(x) < at(y) ? -1 : at(x) > at(y) ? 1 : 0));
  const max = spec.max?.(samplesKept);
  const kept = max !== undefined && union.length > max ? union.slice(union.length - max) : union;
  return stringifyToml({ ...ours, [spec.key]: kept });
}

/** The entries of `side` that the base does not hold (counted, so repeats survive). */
function added(base: unknown[], side: unknown[]): unknown[] {
  const left = new Map<string, number>();
  for (const e of base) left.set(JSON.stringify(e), (left.get(JSON.stringify(e)) ?? 0) + 1);
  return side.filter((e) => {
    const k = JSON.stringify(e);
    const n = left.get(k) ?? 0;
    if (n === 0) return true;
    left.set(k, n - 1);
    return false;
  });
}

/** A blob as TOML: undefined when there is no blob, null when it does not parse. */
async function blobDoc(git: SimpleGit, blob: string | undefined): Promise<TomlTable | undefined | null> {
  if (!blob) return undefined;
  try {
    return parse(await git.raw(['cat-file', 'blob', blob])) as TomlTable;
  } catch {
    return null;
  }
}
