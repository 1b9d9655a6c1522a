import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { git, gitOk } from './git-run.js';
import { withMirrorLock } from './mirror-lock.js';
import type { Project } from './project-model.js';

/**
 * A mirror of a project's base: a bare repository Nox owns (docs/WORKTREES.md, "Why a
 * mirror"), on each host (every agent's repository there borrows its objects) and on the
 * machine of the API (every agent's served repository borrows its objects). The person's
 * repository is never shown to an agent; the mirror is, read-only
 * (workers/worktrees/worktree-mounts.ts).
 *
 * It holds **the base and nothing else**: it fetches `refs/heads/<base>` only (as
 * `refs/remotes/origin/<base>`), never another branch of the project and never an agent's
 * branch — those go to the agent's own repository — so what every agent of the host can
 * read holds no agent's work. Made in a temporary folder and renamed, so a clone cut short
 * leaves nothing half-made. No reflogs (so an agent's commit writes nothing outside the paths
 * the sandbox makes writable) and no automatic gc (which would rewrite packed-refs).
 */
/**
 * Where a mirror fetches from: the project's repository, or (a host with a host credential)
 * the mirror the API serves, with the credential in an `http.extraHeader` passed through the
 * environment — never in the URL, nor in the mirror's config.
 */
export interface MirrorOrigin {
  url: string;
  env?: Record<string, string>;
}

export function originOf(project: Project, origin?: MirrorOrigin): MirrorOrigin {
  return origin ?? { url: project.repo };
}

/** The one refspec a mirror fetches: the base, nothing else. */
export function baseRefspec(base: string): string {
  return `+refs/heads/${base}:refs/remotes/origin/${base}`;
}

export async function ensureMirror(project: Project, mirror: string, logger: Logger, origin?: MirrorOrigin): Promise<void> {
  const from = originOf(project, origin);
  mkdirSync(path.dirname(mirror), { recursive: true });
  const tmp = `${mirror}.nox-tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await gitOk(['init', '--bare', '--quiet', tmp]);
    for (const [key, value] of [
      ['remote.origin.url', from.url],
      ['remote.origin.fetch', baseRefspec(project.base)],
      ['core.logAllRefUpdates', 'false'],
      ['gc.auto', '0'],
      ['receive.denyNonFastForwards', 'true'],
      [LAYOUT_KEY, LAYOUT],
    ] as const) {
      await gitOk([`--git-dir=${tmp}`, 'config', key, value]);
    }
    // a fetch copies objects (a pack), never hardlinks them to the person's repository, as a clone --local would
    await gitOk([`--git-dir=${tmp}`, 'fetch', '--quiet', '--no-tags', 'origin'], { timeoutMs: 600_000, env: from.env ?? {} });
    const base = await git([`--git-dir=${tmp}`, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${project.base}`]);
    if (!base.ok) throw new Error(`${from.url} has no branch ${project.base}`);
    if (existsSync(mirror)) {
      clearPartial(tmp); // another start made it meanwhile: use that one
      return;
    }
    moveInto(tmp, mirror);
    logger.info('project mirror made (the base only)', { project: project.name, mirror });
  } catch (err) {
    clearPartial(tmp);
    throw err;
  }
}

/**
 * The layout a mirror is in: `base-only` since it fetches the base only. A mirror without
 * it was cloned whole (every branch of its origin at the time, and every agent branch it
 * fetched since): mirror-layout.ts narrows it.
 */
export const LAYOUT_KEY = 'nox.layout';
export const LAYOUT = 'base-only';

/** Brings the base up to date. Offline, the mirror is used as it is. */
export async function refreshMirror(project: Project, mirror: string, logger: Logger, origin?: MirrorOrigin): Promise<void> {
  const from = originOf(project, origin);
  // the origin may have changed since the clone (the host got a credential, the project a URL)
  await gitOk([`--git-dir=${mirror}`, 'config', 'remote.origin.url', from.url]);
  const fetched = await git([`--git-dir=${mirror}`, 'fetch', '--quiet', '--no-tags', 'origin', baseRefspec(project.base)], { timeoutMs: 300_000, env: from.env ?? {} });
  if (!fetched.ok) logger.warn('could not fetch the project repository; using the mirror as it is', { project: project.name, stderr: fetched.stderr.trim().slice(0, 500) });
}

/** Removes a folder left by an interrupted clone (a `*.nox-tmp-*` sibling). */
function clearPartial(dir: string): void {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

function moveInto(tmp: string, dest: string): void {
  mkdirSync(path.dirname(dest), { recursive: true });
  renameSync(tmp, dest);
}

/**
 * The mirror, made when this machine has none yet, else fetched; `settle` runs after, in the
 * same turn (a legacy mirror narrowed). One at a time per mirror in this process (agents of a
 * project starting together), and in this machine (mirror-lock.ts).
 */
export async function freshMirror(project: Project, mirror: string, logger: Logger, origin?: MirrorOrigin, settle?: () => Promise<void>): Promise<void> {
  await oneAtATime(mirror, () =>
    // and one process of the machine at a time (mirror-lock.ts)
    withMirrorLock(mirror, async () => {
      if (!existsSync(mirror)) await ensureMirror(project, mirror, logger, origin);
      else await refreshMirror(project, mirror, logger, origin);
      await settle?.();
    }),
  );
}

/** Runs `work` after every earlier work on the same mirror in this process has ended. */
export async function oneAtATime(mirror: string, work: () => Promise<void>): Promise<void> {
  const previous = inFlight.get(mirror) ?? Promise.resolve();
  const mine = previous.catch(() => undefined).then(work);
  inFlight.set(mirror, mine);
  try {
    await mine;
  } finally {
    if (inFlight.get(mirror) === mine) inFlight.delete(mirror);
  }
}

const inFlight = new Map<string, Promise<void>>();
