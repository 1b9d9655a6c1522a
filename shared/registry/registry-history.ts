import { existsSync } from 'node:fs';
import path from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { RegistryPathError, RegistryRefNotFoundError } from '../errors/registry-errors.js';
import { actorOfEmail, changesOf, TRAILER, type ChangeLine } from './commit-format.js';
import { safeRelativePath } from './layout.js';
import { redactSecrets } from './secret-redaction.js';

/**
 * Read-only views of the registry's history (any process may run them; they never take
 * git's index lock): the log filtered by path, actor and branch, and one commit with its
 * diff. Also the helpers that turn a user's "sha" or "time" into a commit.
 */
export interface HistoryEntry {
  sha: string;
  parents: string[];
  author: { name: string; email: string };
  /**
   * `user:<name>`, `agent:<id>`, `system`, or `external:<email>` for commits made by hand;
   * a group commit's distinct actors, comma-separated (`changes` says whose is which)
   */
  actor: string;
  at: string;
  /** the subject: the change's message, or for a group commit `<n> changes: ...` */
  message: string;
  kind: string | null;
  /** the (first) change id */
  changeId: string | null;
  /** every change the commit holds, in order: one, or a group commit's several */
  changes: ChangeLine[];
  files: string[];
}

export interface HistoryFilter {
  /** a file or folder, relative to the registry */
  path?: string;
  actor?: string;
  branch?: string;
  limit?: number;
  /** skip this many (paging) */
  skip?: number;
}

export interface CommitDetail extends HistoryEntry {
  body: string;
  /** unified diff against the first parent (empty tree for the first commit); cut at 1 MB */
  diff: string;
  truncated: boolean;
}

export const SHA_PATTERN = /^[0-9a-f]{4,40}$/;
const MAX_DIFF = 1024 * 1024;
// actors and change ids hold no commas (their patterns), so a comma separates them safely
const FIELDS = [
  '%H',
  '%P',
  '%an',
  '%ae',
  '%aI',
  '%s',
  `%(trailers:key=${TRAILER.actor},valueonly,separator=%x2C)`,
  `%(trailers:key=${TRAILER.kind},valueonly,separator=%x2C)`,
  `%(trailers:key=${TRAILER.change},valueonly,separator=%x2C)`,
  '%b',
];
const FORMAT = `--format=%x1e${FIELDS.join('%x1f')}%x1d`;

export function readGit(dir: string): SimpleGit | undefined {
  // Without this check git would walk up and show the history of an enclosing repository.
  if (!existsSync(path.join(dir, '.git'))) return undefined;
  return simpleGit({ baseDir: dir, config: ['core.quotePath=false'] });
}

function parseRecords(out: string): HistoryEntry[] {
  return out
    .split('\x1e')
    .filter((r) => r.trim())
    .map((record) => {
      const [head = '', tail = ''] = record.split('\x1d');
      const [sha = '', parents = '', name = '', email = '', at = '', message = '', actorList = '', kind = '', idList = '', body = ''] = head.split('\x1f');
      const list = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);
      const actors = list(actorList);
      const ids = list(idList);
      return {
        sha,
        parents: parents.split(' ').filter(Boolean),
        author: { name, email },
        actor: actors.length ? [...new Set(actors)].join(',') : actorOfEmail(email),
        at,
        message,
        kind: kind.trim() || null,
        changeId: ids[0] ?? null,
        changes: changesOf(message, body, ids, actors),
        files: tail.split('\n').map((l) => l.trim()).filter(Boolean),
      };
    });
}

/** Actors hold only [A-Za-z0-9_.@:-]; in a basic regex only the dot needs escaping. */
const escapeRe = (s: string): string => s.replace(/[^A-Za-z0-9_@:-]/g, (c) => (c === '.' ? '\\.' : ''));

export async function readHistory(dir: string, filter: HistoryFilter = {}): Promise<HistoryEntry[]> {
  const git = readGit(dir);
  if (!git) return [];
  const args = ['log', FORMAT, '--name-only', `-n${Math.min(Math.max(filter.limit ?? 50, 1), 1000)}`];
  if (filter.skip) args.push(`--skip=${filter.skip}`);
  if (filter.actor) args.push(`--grep=^Nox-Actor: ${escapeRe(filter.actor)}$`);
  if (filter.branch) args.push(`refs/heads/${filter.branch}`);
  else args.push('HEAD');
  args.push('--');
  if (filter.path) args.push(safeRelativePath(filter.path));
  try {
    return parseRecords(await git.raw(args));
  } catch (err) {
    if (/unknown revision|bad revision|does not have any commits/i.test((err as Error).message)) {
      if (filter.branch) throw new RegistryRefNotFoundError(`branch ${filter.branch}`);
      return [];
    }
    throw err;
  }
}

/** A sha (or unique prefix) → the full sha of that commit; 404 when absent. */
export async function resolveCommit(git: SimpleGit, ref: string): Promise<string> {
  if (!SHA_PATTERN.test(ref) && !/^[a-z0-9][a-z0-9._/-]{0,62}$/.test(ref)) throw new RegistryPathError('a commit must be a hex sha (4-40 characters) or a branch name');
  if (ref.startsWith('-')) throw new RegistryPathError('invalid commit');
  let sha = '';
  try {
    sha = (await git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim();
  } catch {
    // not found: below
  }
  if (!/^[0-9a-f]{40}$/.test(sha)) throw new RegistryRefNotFoundError(`commit ${ref}`);
  return sha;
}

/** The last commit at or before an ISO time on the current branch; 404 when there is none. */
export async function resolveTime(git: SimpleGit, iso: string): Promise<string> {
  const t = Date.parse(iso);
  if (Number.isNaN(t)) throw new RegistryPathError('time must be an ISO 8601 date-time');
  const sha = (await git.raw(['rev-list', '-1', `--before=${Math.floor(t / 1000)}`, 'HEAD'])).trim();
  if (!sha) throw new RegistryRefNotFoundError(`a commit at or before ${iso}`);
  return sha;
}

export async function readCommit(dir: string, sha: string): Promise<CommitDetail> {
  if (!SHA_PATTERN.test(sha)) throw new RegistryPathError('sha must be 4-40 hex characters');
  const git = readGit(dir);
  if (!git) throw new RegistryRefNotFoundError(`commit ${sha}`);
  const full = await resolveCommit(git, sha);
  const [entry] = parseRecords(await git.raw(['show', '-s', FORMAT, full]));
  if (!entry) throw new RegistryRefNotFoundError(`commit ${sha}`);
  const body = (await git.raw(['show', '-s', '--format=%B', full])).trim();
  const base = entry.parents[0] ?? (await git.raw(['hash-object', '-t', 'tree', '/dev/null'])).trim();
  // old commits may hold secrets (registries from before the secrets file): never shown
  let diff = redactSecrets(await git.raw(['diff', '--no-color', '--no-ext-diff', base, full]));
  const files = (await git.raw(['diff', '--name-only', base, full])).split('\n').filter(Boolean);
  const truncated = diff.length > MAX_DIFF;
  if (truncated) diff = diff.slice(0, MAX_DIFF);
  return { ...entry, files, body, diff, truncated };
}
