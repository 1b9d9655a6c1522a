import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NoxConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { git, gitOk } from './git-run.js';
import { ensureBorrower, narrowLegacyMirror } from './mirror-layout.js';
import { agentBranch, type Project } from './project-model.js';
import { freshMirror, LAYOUT, LAYOUT_KEY, oneAtATime } from './project-mirror.js';
import { servedAgentRepo, servedAgentsRoot, servedMirror } from './project-paths.js';

/**
 * What Nox keeps and serves (docs/WORKTREES.md, "Movable"), on the machine of the API, which
 * hosts reach over HTTP (api/routes/git-routes.ts) whether or not they can see the project's
 * repository:
 *
 * - the served base repository (`<project>.git`): the project's base, fetched from the
 *   project's repository, nothing else (project-mirror.ts);
 * - one served repository per agent (`<project>.agents/<id>.git`): its branch
 *   `refs/heads/nox/<id>`, pushed by its host at each turn's end, and the objects pushed with
 *   it; `refs/heads/<base>` set by Nox from the base repository; every base object borrowed
 *   from the base repository (`objects/info/alternates`).
 *
 * An agent's URL serves its own repository and nothing else, so a host reaches no other
 * agent's objects by any means: not a ref, not an id, not a pushed commit whose tree names
 * another agent's tree, not a thin pack completed from objects it was not shown. Those
 * objects are in no repository its push or fetch runs in.
 *
 * A push is checked by the `update` hook below, which Nox writes and no agent can reach: the
 * pushing agent (`NOX_PUSH_AGENT`, set by the route from the URL it checked against the host's
 * credential) may create or fast-forward `refs/heads/nox/<its id>` and nothing else — no base,
 * no tag, no deletion, nothing forced. `receive.fsckObjects` checks what arrives.
 */
export const UPDATE_HOOK = `#!/bin/sh
# Nox (shared/projects/served-mirror.ts): a push writes the pushing agent's branch only, forward only.
ref="$1"; old="$2"; new="$3"
if [ -z "$NOX_PUSH_AGENT" ] || [ "$ref" != "refs/heads/nox/$NOX_PUSH_AGENT" ]; then
  echo "nox: refused $ref: this push may write refs/heads/nox/$NOX_PUSH_AGENT only" >&2; exit 1
fi
case "$new" in *[!0]*) ;; *) echo "nox: refused: $ref cannot be deleted" >&2; exit 1 ;; esac
case "$old" in
  *[!0]*) git merge-base --is-ancestor "$old" "$new" || { echo "nox: refused: $ref only moves forward" >&2; exit 1; } ;;
esac
exit 0
`;

const HOOKS: ReadonlyArray<readonly [string, string]> = [['update', UPDATE_HOOK]];

const SERVED_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['receive.denyNonFastForwards', 'true'],
  ['receive.denyDeletes', 'true'],
  ['receive.fsckObjects', 'true'],
  ['http.receivepack', 'true'],
  ['http.uploadpack', 'true'],
  ['uploadpack.allowAnySHA1InWant', 'false'],
  ['core.logAllRefUpdates', 'false'],
  // its upkeep runs gc itself (served-upkeep.ts)
  ['gc.auto', '0'],
];

/**
 * What one agent's URL shows (set per request, `transfer.hideRefs`, for fetches and pushes
 * alike): the project's base and `refs/heads/nox/<agent>`, nothing else — not the other
 * agents' branches (their work is their hosts' and people's to see, not every host's), nor
 * the project's other branches and tags. A hidden ref's objects cannot be asked for by id
 * either: `uploadpack.allowAnySHA1InWant` is off and the backend speaks protocol v0
 * (api/projects/git-http-backend.ts). git matches these by whole path components:
 * `nox/ab` does not show `nox/abc`.
 */
export function servedView(project: Pick<Project, 'base'>, agentId: string): Array<readonly [string, string]> {
  return [
    ['transfer.hideRefs', 'refs/'],
    ['transfer.hideRefs', `!refs/heads/${project.base}`],
    ['transfer.hideRefs', `!refs/heads/${agentBranch(agentId)}`],
  ];
}

/** The served base ref as an agent's served repository holds it. */
export function servedBaseRef(project: Pick<Project, 'base'>): string {
  return `refs/heads/${project.base}`;
}

/**
 * The agent's served repository, made when missing, its `refs/heads/<base>` set from the
 * base repository; with `refresh`, the base fetched from the project's repository first and
 * the agent's branch taken from the project's repository when a host without a credential
 * pushed it further there (forward only). Returns its path.
 */
export async function servedAgent(config: NoxConfig, project: Project, agentId: string, logger: Logger, options: { refresh: boolean }): Promise<string> {
  const repo = servedAgentRepo(config, project.name, agentId);
  const made = existsSync(path.join(repo, 'HEAD'));
  const follow = async (): Promise<void> => {
    if (options.refresh && made) await oneAtATime(repo, () => followOrigin(repo, project, agentId, logger));
  };
  // the agent's repository borrows the base repository's objects: its fetch must not run while
  // the base repository may still be narrowed (packs, then a prune of what it borrowed). Once
  // settled in this process, the two fetches from the project's repository run side by side.
  let base: string;
  if (settledBases.has(servedMirror(config, project.name))) [base] = await Promise.all([servedBase(config, project, logger, options.refresh), follow()]);
  else {
    base = await servedBase(config, project, logger, options.refresh);
    await follow();
  }
  await oneAtATime(repo, async () => {
    const fresh = !existsSync(path.join(repo, 'HEAD'));
    if (fresh) await makeAgentRepo(repo, base, project);
    else if (!settledAgents.has(repo)) await settleAgentRepo(repo, base, project);
    settledAgents.add(repo);
    // a push or a pack request needs nothing more: the ref listing before it set the base
    if (!fresh && !options.refresh) return;
    const baseSha = (await gitOk([`--git-dir=${base}`, 'rev-parse', `refs/remotes/origin/${project.base}`])).trim();
    await gitOk([`--git-dir=${repo}`, 'update-ref', servedBaseRef(project), baseSha]);
    if (options.refresh && !made) await followOrigin(repo, project, agentId, logger);
  });
  return repo;
}

/** The base repository, made when missing (and, made before it held the base only, narrowed); fetched when asked. */
async function servedBase(config: NoxConfig, project: Project, logger: Logger, refresh: boolean): Promise<string> {
  const mirror = servedMirror(config, project.name);
  if (!refresh && settledBases.has(mirror) && existsSync(mirror)) return mirror;
  await freshMirror(project, mirror, logger, undefined, async () => {
    if (settledBases.has(mirror)) return;
    // nothing borrows from it but the agents' served repositories; never pruned by gc, so none loses an object it borrows
    await gitOk([`--git-dir=${mirror}`, 'config', 'gc.pruneExpire', 'never']);
    await moveLegacyBranches(config, mirror, project);
    await narrowLegacyMirror(mirror, project.base, servedAgentsRoot(config, project.name), logger);
    // settled only once it holds the base only (a narrowing put off, offline, is tried again at the next call)
    if ((await git([`--git-dir=${mirror}`, 'config', '--get', LAYOUT_KEY])).stdout.trim() === LAYOUT) settledBases.add(mirror);
  });
  return mirror;
}

/** This process has settled these (hooks, settings, layout) once: later calls only set refs. */
const settledBases = new Set<string>();
const settledAgents = new Set<string>();

async function makeAgentRepo(repo: string, base: string, project: Project): Promise<void> {
  await ensureBorrower(repo, base, (tmp) => settleAgentRepo(tmp, base, project));
}

async function settleAgentRepo(repo: string, base: string, project: Project): Promise<void> {
  const alternates = path.join(repo, 'objects', 'info', 'alternates');
  const want = `${path.join(base, 'objects')}\n`;
  if (!existsSync(alternates) || readFileSync(alternates, 'utf8') !== want) {
    mkdirSync(path.dirname(alternates), { recursive: true });
    writeFileSync(alternates, want);
  }
  for (const [name, text] of HOOKS) {
    const hook = path.join(repo, 'hooks', name);
    if (existsSync(hook) && readFileSync(hook, 'utf8') === text) continue;
    mkdirSync(path.dirname(hook), { recursive: true });
    writeFileSync(hook, text);
    chmodSync(hook, 0o755);
  }
  const m = `--git-dir=${repo}`;
  for (const [key, value] of SERVED_CONFIG) await gitOk([m, 'config', key, value]);
  // HEAD, which every view shows, names the base
  await gitOk([m, 'symbolic-ref', 'HEAD', servedBaseRef(project)]);
}

/**
 * A host without a credential (on the machine of the install) pushes the agent's branch to
 * the project's repository: taken from there when it is further ahead, forward only. The
 * objects land in the agent's repository, none in the base repository.
 */
async function followOrigin(repo: string, project: Project, agentId: string, logger: Logger): Promise<void> {
  const branch = agentBranch(agentId);
  const m = `--git-dir=${repo}`;
  const fetched = await git([m, 'fetch', '--quiet', '--no-tags', '--', project.repo, `+refs/heads/${branch}:refs/remotes/origin/${branch}`], { timeoutMs: 300_000 });
  if (!fetched.ok) {
    if (!/couldn't find remote ref/i.test(fetched.stderr)) logger.warn('could not fetch the agent branch from the project repository', { agentId, stderr: fetched.stderr.trim().slice(0, 300) });
    return;
  }
  const there = (await gitOk([m, 'rev-parse', `refs/remotes/origin/${branch}`])).trim();
  const local = await git([m, 'rev-parse', '--verify', '--quiet', `refs/heads/${branch}`]);
  if (!local.ok) await gitOk([m, 'update-ref', `refs/heads/${branch}`, there, '']);
  else if (local.stdout.trim() !== there && (await git([m, 'merge-base', '--is-ancestor', local.stdout.trim(), there])).ok) await gitOk([m, 'update-ref', `refs/heads/${branch}`, there, local.stdout.trim()]);
}

/**
 * The served mirror before agents had served repositories of their own held every agent's
 * branch as `refs/heads/nox/<id>`: each moves into its agent's repository (which borrows its
 * objects until narrowLegacyMirror gives it a pack of its own).
 */
async function moveLegacyBranches(config: NoxConfig, mirror: string, project: Project): Promise<void> {
  const m = `--git-dir=${mirror}`;
  const lines = (await gitOk([m, 'for-each-ref', '--format=%(refname:strip=3) %(objectname)', 'refs/heads/nox/'])).split('\n').filter(Boolean);
  for (const line of lines) {
    const [id = '', sha = ''] = line.split(' ');
    if (!id) continue;
    const repo = servedAgentRepo(config, project.name, id);
    if (!existsSync(path.join(repo, 'HEAD'))) await makeAgentRepo(repo, mirror, project);
    await git([`--git-dir=${repo}`, 'update-ref', `refs/heads/${agentBranch(id)}`, sha, '']);
  }
}
