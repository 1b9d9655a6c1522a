import { execFile } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'smol-toml';
import type { SimpleGit } from 'simple-git';
import { files, insideOrThrow, relativePathOf } from '../../shared/registry/layout.js';
import { stringifyToml, type TomlTable } from '../../shared/registry/toml-io.js';

const run = promisify(execFile);

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
  /** kept to the newest `registry.resource_samples_kept`, as the writer keeps it */
  capped?: boolean;
  /** closed by the compactor into `<file>.gz` */
  compressed?: boolean;
}

const APPEND_ONLY: AppendOnlyFile[] = [
  { pattern: /^audit\/\d{4}-\d{2}-\d{2}\.toml$/, key: 'entries' },
  { pattern: /^agents\/[a-z0-9][a-z0-9-]{0,62}\/conversations\/\d{4}-\d{2}-\d{2}\.toml$/, key: 'entries', compressed: true },
  { pattern: new RegExp(`^${relativePathOf(files.resourceUsage()).replace('.', '\\.')}$`), key: 'samples', capped: true },
];

/**
 * Resolves the conflicted append-only files of a merge in progress and stages them.
 * Returns the paths it could not resolve (not append-only, deleted on one side, unreadable):
 * when that list is not empty the merge must be aborted.
 *
 * A conversation day is one logical file in two forms: `<day>.toml` while open and
 * `<day>.toml.gz` once the compactor closed it. Two branches that both closed a day conflict
 * on the `.gz` (add/add); one that closed it and one that appended to it conflict on the
 * `.toml` (modify/delete). Either way each side is read in whichever form it holds, and the
 * union is written compressed if either side had closed the day.
 */
export async function resolveAppendOnly(git: SimpleGit, dir: string, conflicted: string[], samplesKept: number): Promise<string[]> {
  const unresolved: string[] = [];
  const logical = new Map<string, string[]>();
  for (const rel of conflicted) {
    const plain = rel.endsWith(GZ) ? rel.slice(0, -GZ.length) : rel;
    logical.set(plain, [...(logical.get(plain) ?? []), rel]);
  }
  const revs = await mergeRevisions(git);
  for (const [rel, paths] of logical) {
    const spec = APPEND_ONLY.find((f) => f.pattern.test(rel) && (f.compressed || !paths.some((p) => p.endsWith(GZ))));
    const merged = spec && revs ? await unionOf(dir, rel, spec, revs, samplesKept) : undefined;
    if (merged === undefined) {
      unresolved.push(...paths);
      continue;
    }
    const [keep, drop] = merged.compressed ? [`${rel}${GZ}`, rel] : [rel, `${rel}${GZ}`];
    writeFileSync(insideOrThrow(dir, keep), merged.compressed ? gzipSync(merged.text, { level: 9 }) : merged.text);
    rmSync(insideOrThrow(dir, drop), { force: true });
    await git.raw(['add', '--', keep]);
    await git.raw(['rm', '-q', '--cached', '--ignore-unmatch', '--', drop]);
  }
  return unresolved;
}

const GZ = '.gz';

interface MergeRevisions { base: string | undefined; ours: string; theirs: string }

async function mergeRevisions(git: SimpleGit): Promise<MergeRevisions | undefined> {
  try {
    const [ours, theirs] = (await git.raw(['rev-parse', 'HEAD', 'MERGE_HEAD'])).trim().split('\n');
    const base = (await git.raw(['merge-base', ours!, theirs!]).catch(() => '')).trim() || undefined;
    return { base, ours: ours!, theirs: theirs! };
  } catch {
    return undefined;
  }
}

async function unionOf(dir: string, rel: string, spec: AppendOnlyFile, revs: MergeRevisions, samplesKept: number): Promise<{ text: string; compressed: boolean } | undefined> {
  const [base, ours, theirs] = await Promise.all([revs.base, revs.ours, revs.theirs].map((rev) => (rev ? docAt(dir, rev, rel) : Promise.resolve(undefined))));
  // deleted on one side or not TOML: not ours to guess
  if (!ours || !theirs || base === null) return undefined;
  const listOf = (doc: TomlTable | undefined): unknown[] | undefined => {
    const list = doc?.[spec.key] ?? [];
    return Array.isArray(list) ? list : undefined;
  };
  const [b, o, t] = [listOf(base?.doc), listOf(ours.doc), listOf(theirs.doc)];
  if (!b || !o || !t) return undefined;
  const union = [...o, ...added(b, t)];
  // a stable sort: entries of the same instant keep the order they were written in
  const at = (e: unknown): string => (e && typeof e === 'object' && typeof (e as { at?: unknown }).at === 'string' ? (e as { at: string }).at : '');
  union.sort((x, y) => (at(x) < at(y) ? -1 : at(x) > at(y) ? 1 : 0));
  const kept = spec.capped && union.length > samplesKept ? union.slice(union.length - samplesKept) : union;
  return { text: stringifyToml({ ...ours.doc, [spec.key]: kept }), compressed: ours.compressed || theirs.compressed };
}

/** The entries of `side` that the base does not hold (counted, so repeats survive). */
function added(base: unknown[], side: unknown[]): unknown[] {
  const left = new Map<string, number>();
  for (const k of base.map((e) => JSON.stringify(e))) left.set(k, (left.get(k) ?? 0) + 1);
  return side.filter((e) => {
    const k = JSON.stringify(e);
    const n = left.get(k) ?? 0;
    if (n === 0) return true;
    left.set(k, n - 1);
    return false;
  });
}

/**
 * A file of a revision as TOML, in whichever form it is there (plain, or a closed day's
 * `.gz`): undefined when the revision holds neither, null when it does not parse.
 */
async function docAt(dir: string, rev: string, rel: string): Promise<{ doc: TomlTable; compressed: boolean } | undefined | null> {
  for (const compressed of [false, true]) {
    const bytes = await blobAt(dir, `${rev}:${rel}${compressed ? GZ : ''}`);
    if (!bytes) continue;
    try {
      return { doc: parse((compressed ? gunzipSync(bytes) : bytes).toString('utf8')) as TomlTable, compressed };
    } catch {
      return null;
    }
  }
  return undefined;
}

/** A blob's bytes (simple-git reads text only), or undefined when there is none. */
async function blobAt(dir: string, object: string): Promise<Buffer | undefined> {
  try {
    return (await run('git', ['cat-file', 'blob', object], { cwd: dir, encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 })).stdout;
  } catch {
    return undefined;
  }
}
