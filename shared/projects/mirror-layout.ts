import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { git, gitOk } from './git-run.js';
import { withMirrorLock } from './mirror-lock.js';
import { baseRefspec, LAYOUT, LAYOUT_KEY, oneAtATime } from './project-mirror.js';

/**
 * A mirror made before mirrors held the base only (docs/WORKTREES.md, "Layout") was cloned
 * whole and fetched every branch of its origin: on a host, each agent branch it fetched
 * through an agent's URL; on the machine of the API, every agent's pushed branch. Every
 * agent of the host reads the mirror, and every agent's served repository borrows its
 * objects, so those branches' objects must leave it. Once per mirror:
 *
 * 1. a branch `refs/heads/nox/<x>` of the mirror itself (the oldest layout let agents write
 *    there: a worktree's side branch, a deleted agent's unpushed work) that no worktree of the
 *    mirror is on and the base does not contain moves into a bare repository of its own,
 *    `<agentsDir>/<x>.git` (made when missing, borrowing from the mirror): as
 *    `refs/heads/nox/<x>`, or `refs/nox/legacy/<x>-<sha12>` when that repository has another
 *    `nox/<x>` — an unmerged commit is never dropped;
 * 2. each borrower (a repository under `agentsDir` whose `objects/info/alternates` names the
 *    mirror: an agent's repository on a host, an agent's served repository, one made in 1)
 *    gets a pack of its own of every object its refs and its worktrees' indexes reach that the
 *    base does not, wherever that object is now — so dropping them from the mirror takes
 *    nothing from it;
 * 3. the mirror fetches the base only, and every ref but the base is removed — except a branch
 *    a worktree that still has its git folder in the mirror is on (an older layout, moved into
 *    the agent's repository at the agent's next start: agent-repo.ts, then releaseAdoptedBranch);
 * 4. `repack -a -d` and `prune --expire=now`: what no ref and no index of the mirror reaches is gone.
 *
 * The caller runs it alone on the mirror (project-mirror.ts oneAtATime). Returns whether it narrowed.
 */
/**
 * Where git runs on a borrower an agent writes (a host's agent repository): a bubblewrap view of
 * it and the mirror only (workers/worktrees/agent-git-view.ts), so links the agent planted in
 * its objects reach nothing else. None for repositories no agent writes (the served ones).
 */
export type BorrowerView = (repo: string) => Promise<readonly string[] | undefined>;

const noView: BorrowerView = async () => undefined;

export async function narrowLegacyMirror(mirror: string, base: string, agentsDir: string, logger: Logger, viewOf: BorrowerView = noView): Promise<boolean> {
  const m = `--git-dir=${mirror}`;
  if ((await git([m, 'config', '--get', LAYOUT_KEY])).stdout.trim() === LAYOUT) return false;
  const baseSha = (await git([m, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${base}`])).stdout.trim();
  if (!baseSha) return false; // nothing fetched yet: narrowed at a later call
  const checkedOut = worktreeBranches(mirror);
  const refs = (await gitOk([m, 'for-each-ref', '--format=%(refname) %(objectname)'])).split('\n').filter(Boolean);
  const kept: string[] = [];
  const moved: string[] = [];
  for (const line of refs) {
    const [ref = '', sha = ''] = line.split(' ');
    const x = /^refs\/heads\/nox\/(.+)$/.exec(ref)?.[1];
    if (x === undefined || checkedOut.has(ref) || (await git([m, 'merge-base', '--is-ancestor', sha, baseSha])).ok) continue;
    const into = await moveUnmerged(mirror, agentsDir, x, sha, viewOf);
    if (into) moved.push(`${ref} -> ${into}`);
    else kept.push(ref);
  }
  const borrowers = borrowersIn(agentsDir);
  const unpacked = await packAll(borrowers, baseSha, viewOf);
  if (unpacked.length) {
    // what they borrow cannot be told: nothing leaves the mirror (tried again at the next use)
    logger.warn('mirror not narrowed: a repository borrowing from it could not be given its own objects', { mirror, unpacked });
    return false;
  }
  await gitOk([m, 'config', '--replace-all', 'remote.origin.fetch', baseRefspec(base)]);
  const keep = new Set([`refs/remotes/origin/${base}`, `refs/heads/${base}`, ...checkedOut, ...kept]);
  const dropped: string[] = [];
  for (const line of refs) {
    const ref = line.split(' ')[0] ?? '';
    if (keep.has(ref)) continue;
    await gitOk([m, 'update-ref', '-d', ref]);
    dropped.push(ref);
  }
  await repackAndPrune(mirror);
  await gitOk([m, 'config', LAYOUT_KEY, LAYOUT]);
  if (kept.length) logger.warn('unmerged branches of the mirror kept in it: no repository of their own could take them', { mirror, kept });
  logger.info('mirror narrowed to the base: other branches and their objects removed', { mirror, dropped: dropped.length, moved: moved.slice(0, 50), borrowers: borrowers.length });
  return true;
}

/**
 * The agent's worktree of the older layout has been moved into its own repository
 * (agent-repo.ts `adoptLegacyWorktree`, then `seedBranch`): the mirror's
 * `refs/heads/nox/<agentId>`, kept for that worktree by narrowLegacyMirror, leaves the mirror,
 * which every agent of the host reads, with the objects only it reached. Only when the
 * agent's repository holds `refs/heads/nox/<agentId>` at that commit or further, and no
 * worktree still in the mirror is on it. Every repository borrowing from the mirror (the
 * agent's included: its adopted worktree's index too) first gets a pack of its own of what it
 * reaches beyond the base, as in narrowing: the prune then takes nothing any of them uses
 * (another agent may have built on that branch, reading it from the mirror).
 *
 * Takes the mirror's turn itself (project-mirror.ts oneAtATime: no fetch of this process runs
 * into the mirror during the prune), so it must not be called from inside `freshMirror`'s
 * settle. Returns whether the branch was released.
 */
export async function releaseAdoptedBranch(mirror: string, base: string, repo: string, agentId: string, logger: Logger, viewOf: BorrowerView = noView): Promise<boolean> {
  const ref = `refs/heads/nox/${agentId}`;
  let released = false;
  // no fetch of this process, nor of another on this machine (mirror-lock.ts), lands during the prune
  await oneAtATime(mirror, () => withMirrorLock(mirror, async () => {
    const m = `--git-dir=${mirror}`;
    const there = (await git([m, 'rev-parse', '--verify', '--quiet', ref])).stdout.trim();
    if (!there || worktreeBranches(mirror).has(ref)) return;
    const inView = { view: await viewOf(repo) };
    const mine = (await git([`--git-dir=${repo}`, 'rev-parse', '--verify', '--quiet', ref], inView)).stdout.trim();
    if (!mine || !(await git([`--git-dir=${repo}`, 'merge-base', '--is-ancestor', there, mine], inView)).ok) {
      logger.warn('legacy agent branch left in the host mirror: the agent repository does not hold it', { mirror, repo, ref, there, mine: mine || undefined });
      return;
    }
    const baseSha = (await gitOk([m, 'rev-parse', '--verify', `refs/remotes/origin/${base}`])).trim();
    const borrowers = borrowersIn(path.dirname(repo));
    const unpacked = await packAll(borrowers.includes(repo) ? borrowers : [repo, ...borrowers], baseSha, viewOf);
    if (unpacked.length) {
      logger.warn('legacy agent branch left in the host mirror: a repository borrowing from it could not be given its own objects', { mirror, ref, unpacked });
      return;
    }
    await gitOk([m, 'update-ref', '-d', ref, there]);
    await repackAndPrune(mirror);
    released = true;
    logger.info('legacy agent branch released from the host mirror into the agent repository', { mirror, repo, ref, sha: there });
  }));
  return released;
}

/** The bare repositories under `dir` (`<id>.git`) that borrow objects. */
export function borrowersIn(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((f) => f.endsWith('.git') && existsSync(path.join(dir, f, 'HEAD')))
    .map((f) => path.join(dir, f));
}

/**
 * Packs into `repo` every object its refs and its worktrees' indexes reach and the base does
 * not, wherever it is now (pack-objects without `--local` takes borrowed objects too).
 */
async function packOwnObjects(repo: string, baseSha: string, viewOf: BorrowerView): Promise<boolean> {
  const r = `--git-dir=${repo}`;
  const inView = { view: await viewOf(repo) };
  const refs = await git([r, 'for-each-ref', '--count=1', '--format=%(refname)'], inView);
  if (!refs.ok) return false;
  if (refs.stdout.trim() === '') return true;
  const packed = await git([r, 'pack-objects', '--all', '--indexed-objects', '--revs', '-q', path.join(repo, 'objects', 'pack', 'pack')], { input: `--not\n${baseSha}\n`, timeoutMs: 600_000, ...inView });
  return packed.ok;
}

/** Packs each borrower's own objects; returns those it could not (a ref naming nothing, a link to nowhere). */
async function packAll(repos: string[], baseSha: string, viewOf: BorrowerView): Promise<string[]> {
  const failed: string[] = [];
  for (const repo of repos) if (!(await packOwnObjects(repo, baseSha, viewOf))) failed.push(repo);
  return failed;
}


/** What no ref, no worktree HEAD and no index of the mirror reaches leaves it. */
async function repackAndPrune(mirror: string): Promise<void> {
  await gitOk([`--git-dir=${mirror}`, 'repack', '-a', '-d', '-q'], { timeoutMs: 600_000 });
  await gitOk([`--git-dir=${mirror}`, 'prune', '--expire=now'], { timeoutMs: 600_000 });
}

/** The branches the mirror's own worktrees (the older layout) are on: `ref: refs/heads/…` in `worktrees/<name>/HEAD`. */
function worktreeBranches(mirror: string): Set<string> {
  const dir = path.join(mirror, 'worktrees');
  const names = new Set<string>();
  if (!existsSync(dir)) return names;
  for (const name of readdirSync(dir)) {
    const head = path.join(dir, name, 'HEAD');
    if (!existsSync(head)) continue;
    const ref = /^ref: (refs\/\S+)/.exec(readFileSync(head, 'utf8'))?.[1];
    if (ref) names.add(ref);
  }
  return names;
}

/**
 * Moves the mirror's unmerged `refs/heads/nox/<x>` (at `sha`) into `<agentsDir>/<x>.git`, made
 * when missing: `refs/heads/nox/<x>` there when it has none (or has this one), else
 * `refs/nox/legacy/<x>-<sha12>`. Returns the repository and ref, or undefined when it could
 * not (a name that is no folder's, an existing repository that does not borrow the commit):
 * the branch then stays in the mirror.
 */
async function moveUnmerged(mirror: string, agentsDir: string, x: string, sha: string, viewOf: BorrowerView): Promise<string | undefined> {
  if (x.includes('/')) return undefined; // no agent's name: nox/<id>/... is refused by git beside nox/<id>
  const repo = path.join(agentsDir, `${x}.git`);
  await ensureBorrower(repo, mirror);
  const r = `--git-dir=${repo}`;
  const inView = { view: await viewOf(repo) };
  if (!(await git([r, 'cat-file', '-e', `${sha}^{commit}`], inView)).ok) return undefined;
  const branch = `refs/heads/nox/${x}`;
  const there = (await git([r, 'rev-parse', '--verify', '--quiet', branch], inView)).stdout.trim();
  const ref = !there || there === sha ? branch : `refs/nox/legacy/${x}-${sha.slice(0, 12)}`;
  const now = (await git([r, 'rev-parse', '--verify', '--quiet', ref], inView)).stdout.trim();
  if (now !== sha && !(await git([r, 'update-ref', ref, sha, now], inView)).ok) return undefined;
  return `${repo} ${ref}`;
}

/**
 * A bare repository borrowing the mirror's objects, made in a temporary folder and renamed:
 * no reflogs, no automatic gc, `objects/info/alternates` naming the mirror's objects, an empty
 * `refs/heads/nox/`, and what `prepare` adds. An agent's own repository on a host is made so
 * (workers/worktrees/agent-repo.ts), one narrowing moves a branch into, and an agent's served
 * repository (served-mirror.ts, its hook and settings). One that exists is left as it is.
 */
export async function ensureBorrower(repo: string, mirror: string, prepare?: (tmp: string) => Promise<void>): Promise<void> {
  if (existsSync(path.join(repo, 'HEAD'))) return;
  mkdirSync(path.dirname(repo), { recursive: true });
  const tmp = `${repo}.nox-tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await gitOk(['init', '--bare', '--quiet', tmp]);
    await gitOk([`--git-dir=${tmp}`, 'config', 'core.logAllRefUpdates', 'false']);
    await gitOk([`--git-dir=${tmp}`, 'config', 'gc.auto', '0']);
    mkdirSync(path.join(tmp, 'objects', 'info'), { recursive: true });
    writeFileSync(path.join(tmp, 'objects', 'info', 'alternates'), `${path.join(mirror, 'objects')}\n`);
    mkdirSync(path.join(tmp, 'refs', 'heads', 'nox'), { recursive: true });
    // the rest of its settings, before any process can find it
    await prepare?.(tmp);
    if (existsSync(repo)) rmSync(repo, { recursive: true, force: true }); // a folder without HEAD: nothing of git's
    renameSync(tmp, repo);
  } catch (err) {
    rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}
