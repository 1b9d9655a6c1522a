import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Logger } from '../logger.js';
import { git, gitOk } from './git-run.js';
import type { Project } from './project-model.js';

/**
 * A host's mirror of a project: a bare clone Nox owns (docs/WORKTREES.md, "Why a mirror").
 * The person's repository is never shown to an agent; the mirror is, partly (workers/worktrees/worktree-mounts.ts).
 * Cloned to a temp folder and renamed, so a clone cut short leaves nothing half-made.
 *
 * Its config: the project's base tracked as `refs/remotes/origin/<base>`; no reflogs (so an
 * agent's commit writes nothing outside the paths the sandbox makes writable) and no automatic
 * gc (which would rewrite packed-refs, read-only to agents).
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

export async function ensureMirror(project: Project, mirror: string, logger: Logger, origin?: MirrorOrigin): Promise<void> {
  const from = originOf(project, origin);
  mkdirSync(path.dirname(mirror), { recursive: true });
  const tmp = `${mirror}.nox-tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    // --no-local: objects copied, never hardlinked to the person's repository (an agent writes into the mirror's objects)
    await gitOk(['clone', '--bare', '--no-local', '--quiet', '--', from.url, tmp], { timeoutMs: 600_000, env: from.env ?? {} });
    for (const [key, value] of [
      ['remote.origin.fetch', '+refs/heads/*:refs/remotes/origin/*'],
      ['core.logAllRefUpdates', 'false'],
      ['gc.auto', '0'],
      ['receive.denyNonFastForwards', 'true'],
    ] as const) {
      await gitOk([`--git-dir=${tmp}`, 'config', key, value]);
    }
    await gitOk([`--git-dir=${tmp}`, 'fetch', '--quiet', '--no-tags', 'origin'], { env: from.env ?? {} });
    if (existsSync(mirror)) {
      clearPartial(tmp); // another start cloned it meanwhile: use that one
      return;
    }
    moveInto(tmp, mirror);
    logger.info('project mirror cloned', { project: project.name, mirror });
  } catch (err) {
    clearPartial(tmp);
    throw err;
  }
}

/**
 * Brings the base up to date, and the agent's branch when this host has none yet (it worked
 * elsewhere before). Offline, the mirror is used as it is.
 */
export async function refreshMirror(project: Project, mirror: string, branch: string, logger: Logger, origin?: MirrorOrigin): Promise<void> {
  const from = originOf(project, origin);
  // the origin may have changed since the clone (the host got a credential, the project a URL)
  await gitOk([`--git-dir=${mirror}`, 'config', 'remote.origin.url', from.url]);
  const fetched = await git([`--git-dir=${mirror}`, 'fetch', '--quiet', '--no-tags', 'origin'], { timeoutMs: 300_000, env: from.env ?? {} });
  if (!fetched.ok) logger.warn('could not fetch the project repository; using the mirror as it is', { project: project.name, stderr: fetched.stderr.trim().slice(0, 500) });
  const local = await git([`--git-dir=${mirror}`, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  const remote = await git([`--git-dir=${mirror}`, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${branch}`]);
  if (!local.ok && remote.ok) await gitOk([`--git-dir=${mirror}`, 'branch', '--no-track', branch, `refs/remotes/origin/${branch}`]);
}

/** Removes a folder left by an interrupted clone (a `*.nox-tmp-*` sibling). */
function clearPartial(dir: string): void {
  if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
}

function moveInto(tmp: string, dest: string): void {
  mkdirSync(path.dirname(dest), { recursive: true });
  renameSync(tmp, dest);
}

/** The mirror, cloned when this machine has none yet, else fetched. One at a time per mirror in this process (agents of a project starting together). */
export async function freshMirror(project: Project, mirror: string, branch: string, logger: Logger, origin?: MirrorOrigin): Promise<void> {
  await oneAtATime(mirror, async () => {
    if (!existsSync(mirror)) await ensureMirror(project, mirror, logger, origin);
    await refreshMirror(project, mirror, branch, logger, origin);
  });
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
