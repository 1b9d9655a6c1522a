import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { NoxConfig } from '../config/schema.js';
import type { Logger } from '../logger.js';
import { git, gitOk } from './git-run.js';
import { agentBranch, type Project } from './project-model.js';
import { freshMirror, oneAtATime, refreshMirror } from './project-mirror.js';
import { servedMirror } from './project-paths.js';

/**
 * The mirror Nox keeps and serves (docs/WORKTREES.md, "Movable"): a bare clone of the project
 * on the machine of the API, which hosts reach over HTTP (api/routes/git-routes.ts) whether
 * or not they can see the project's repository. Its `refs/heads/<base>` follows the project's
 * base (fetched as `refs/remotes/origin/<base>`, then set by Nox); its `refs/heads/nox/<id>`
 * are the agents' branches, pushed by their hosts at each turn's end.
 *
 * A push is checked by the `update` hook below, which Nox writes and no agent can reach: the
 * pushing agent (`NOX_PUSH_AGENT`, set by the route from the URL it checked against the host's
 * credential) may create or fast-forward `refs/heads/nox/<its id>` and nothing else — no other
 * agent's branch, no base, no tag, no deletion, nothing forced. `receive.fsckObjects` checks
 * what arrives.
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

/**
 * The `pre-receive` hook: a push brings the commits it adds to the branch. Each commit the
 * new tip has that neither the base (`NOX_PUSH_BASE`, set by the route) nor the branch's old
 * tip has must be in the objects this push sent (git's quarantine, `GIT_QUARANTINE_PATH`,
 * where they wait until the hooks accept them) — which a host's honest push always does,
 * since it is shown only those two refs (servedView). Without it, a host that knew the id of
 * a commit hidden from it (another agent's) could name it as its agent's new tip, sending
 * nothing, and then fetch it through its own URL.
 */
export const PRE_RECEIVE_HOOK = `#!/bin/sh
# Nox (shared/projects/served-mirror.ts): a push brings the commits it adds to the agent's branch.
[ -n "$NOX_PUSH_BASE" ] || { echo "nox: refused: this push names no base" >&2; exit 1; }
while read -r old new ref; do
  case "$new" in *[!0]*) ;; *) continue ;; esac
  case "$old" in *[!0]*) since="$old" ;; *) since="" ;; esac
  added=$(git rev-list "$new" --not "refs/heads/$NOX_PUSH_BASE" $since) || { echo "nox: refused $ref: its commits cannot be listed" >&2; exit 1; }
  [ -n "$added" ] || continue
  [ -n "$GIT_QUARANTINE_PATH" ] || { echo "nox: refused $ref: this push sent none of the commits it adds" >&2; exit 1; }
  if printf '%s\n' "$added" | GIT_OBJECT_DIRECTORY="$GIT_QUARANTINE_PATH" GIT_ALTERNATE_OBJECT_DIRECTORIES= git cat-file --batch-check | grep -q ' missing$'; then
    echo "nox: refused $ref: it adds commits this push did not send" >&2; exit 1
  fi
done
exit 0
`;

const HOOKS: ReadonlyArray<readonly [string, string]> = [
  ['update', UPDATE_HOOK],
  ['pre-receive', PRE_RECEIVE_HOOK],
];

const SERVED_CONFIG: ReadonlyArray<readonly [string, string]> = [
  ['receive.denyNonFastForwards', 'true'],
  ['receive.denyDeletes', 'true'],
  ['receive.fsckObjects', 'true'],
  ['http.receivepack', 'true'],
  ['http.uploadpack', 'true'],
  ['uploadpack.allowAnySHA1InWant', 'false'],
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

/** The served mirror, cloned from the project when missing, its hook and settings in place. */
export async function ensureServed(config: NoxConfig, project: Project, branch: string | undefined, logger: Logger): Promise<string> {
  const mirror = servedMirror(config, project.name);
  await freshMirror(project, mirror, branch ?? 'nox/-', logger);
  await oneAtATime(mirror, async () => {
    await settle(mirror, project);
  });
  return mirror;
}

/** Brings the served mirror's base up to date with the project's (before a host fetches, a change view, a merge). */
export async function refreshServed(config: NoxConfig, project: Project, branch: string | undefined, logger: Logger): Promise<string> {
  const mirror = servedMirror(config, project.name);
  if (!existsSync(mirror)) return ensureServed(config, project, branch, logger);
  await oneAtATime(mirror, async () => {
    await refreshMirror(project, mirror, branch ?? 'nox/-', logger);
    await settle(mirror, project);
  });
  return mirror;
}

async function settle(mirror: string, project: Project): Promise<void> {
  let written = false;
  for (const [name, text] of HOOKS) {
    const hook = path.join(mirror, 'hooks', name);
    if (existsSync(hook) && readFileSync(hook, 'utf8') === text) continue;
    mkdirSync(path.dirname(hook), { recursive: true });
    writeFileSync(hook, text);
    chmodSync(hook, 0o755);
    written = true;
  }
  if (written) for (const [key, value] of SERVED_CONFIG) await gitOk([`--git-dir=${mirror}`, 'config', key, value]);
  const m = `--git-dir=${mirror}`;
  // HEAD, which every view shows, names the base: the clone took the repository's HEAD, which may be any branch (another agent's too)
  const head = `ref: refs/heads/${project.base}\n`;
  if (readFileSync(path.join(mirror, 'HEAD'), 'utf8') !== head) await gitOk([m, 'symbolic-ref', 'HEAD', `refs/heads/${project.base}`]);
  // hosts fetch refs/heads/*: the base as the project has it
  const base = await git([m, 'rev-parse', '--verify', '--quiet', `refs/remotes/origin/${project.base}`]);
  if (base.ok) await gitOk([m, 'update-ref', `refs/heads/${project.base}`, base.stdout.trim()]);
  // a branch pushed to the project's repository by a host without a credential: forward only
  const remotes = (await git([m, 'for-each-ref', '--format=%(refname:strip=3) %(objectname)', 'refs/remotes/origin/nox/'])).stdout.split('\n').filter(Boolean);
  for (const line of remotes) {
    const [name = '', sha = ''] = line.split(' ');
    const local = await git([m, 'rev-parse', '--verify', '--quiet', `refs/heads/${name}`]);
    if (!local.ok) await gitOk([m, 'update-ref', `refs/heads/${name}`, sha]);
    else if (local.stdout.trim() !== sha && (await git([m, 'merge-base', '--is-ancestor', local.stdout.trim(), sha])).ok) await gitOk([m, 'update-ref', `refs/heads/${name}`, sha, local.stdout.trim()]);
  }
}
