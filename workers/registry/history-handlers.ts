import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { UnrecoverableError } from 'bullmq';
import { CONFIG_FILE } from '../../shared/config/load-config.js';
import { encodeJobError } from '../../shared/errors/job-errors.js';
import { RegistryChangeError, RegistryConflictError, RegistryNoRemoteError, RegistryRefNotFoundError } from '../../shared/errors/registry-errors.js';
import { branchNameSchema, REGISTRY_EVENT, type BackupJob, type BranchJob, type CommitResult, type PurgeSecretsJob, type RollbackJob } from '../../shared/registry/changes.js';
import { changedPaths, refuseAdminOnly } from '../../shared/registry/admin-only-files.js';
import { authorOf } from '../../shared/registry/commit-format.js';
import { AUDIT_DIR, insideOrThrow, safeRelativePath } from '../../shared/registry/layout.js';
import { resolveCommit, resolveTime } from '../../shared/registry/registry-history.js';
import { historyHoldsSecrets } from '../../shared/registry/secret-redaction.js';
import { purgeSecrets, scrubSecrets, type PurgeResult } from './purge-secrets.js';
import { resolveAppendOnly } from './append-merge.js';
import { runRefusingBadInput } from './change-handler.js';
import { abandonMergeInProgress, currentBranch, mergeInProgress } from './git-repo.js';
import { commitChange, type WriterState } from './writer-state.js';
import { publishSnapshot } from './registry-publisher.js';

/**
 * Rollback, branches and backup: history operations, run by the writer like any change
 * (so git never sees two writers). Rollback never rewrites history: it commits a new
 * state equal to the old one.
 */
export async function handleRollback(state: WriterState, data: RollbackJob): Promise<CommitResult> {
  return runRefusingBadInput(async () => {
    const target = 'sha' in data.to ? await resolveCommit(state.git, data.to.sha) : await resolveTime(state.git, data.to.time);
    const scope = data.path ? safeRelativePath(data.path) : undefined;
    // the audit trail only grows: a rollback never takes entries back
    const diff = (await changedPaths(state.git, { kind: 'rollback', target, ...(scope ? { scope } : {}) })).filter((p) => !p.startsWith(`${AUDIT_DIR}/`));
    // Checked again here, on the diff as it is now: an admin's change may have landed since the API checked.
    if (data.guardAdminOnly) refuseAdminOnly(diff, `rolling back ${scope ?? 'the registry'} to ${target.slice(0, 10)}`);
    const inTarget = new Set(
      diff.length ? (await state.git.raw(['ls-tree', '-r', '--name-only', target, '--', ...diff])).split('\n').filter(Boolean) : [],
    );
    const label = `${target.slice(0, 10)}${'time' in data.to ? ` (state at ${data.to.time})` : ''}`;
    return commitChange(state, {
      changeId: `rollback-${target.slice(0, 12)}-${Date.now()}`,
      actor: data.actor,
      message: `roll back ${scope ?? 'the registry'} to ${label}`,
      kind: 'rollback',
      correlationId: data.correlationId,
      journalPaths: diff,
      write: async () => {
        const restore = diff.filter((p) => inTarget.has(p));
        if (restore.length) await state.git.raw(['checkout', target, '--', ...restore]);
        // a version from before secrets left the registry must not bring them back
        if (restore.includes(CONFIG_FILE)) scrubFile(insideOrThrow(state.dir, CONFIG_FILE));
        for (const p of diff) if (!inTarget.has(p) && existsSync(insideOrThrow(state.dir, p))) rmSync(insideOrThrow(state.dir, p));
        return diff;
      },
    });
  });
}

export interface BranchResult {
  branch: string;
  current: string;
  sha: string | null;
}

export async function handleBranch(state: WriterState, data: BranchJob): Promise<BranchResult> {
  return runRefusingBadInput(async () => {
    const name = checkedBranch(data.name);
    const branches = await state.git.branchLocal();
    const exists = branches.all.includes(name);
    let sha: string | null = null;
    switch (data.action) {
      case 'create': {
        if (exists) throw new RegistryConflictError(`branch ${name} already exists`);
        const from = data.from ? await resolveCommit(state.git, data.from) : 'HEAD';
        await state.git.raw(['branch', name, from]);
        break;
      }
      case 'switch': {
        if (!exists) throw new RegistryRefNotFoundError(`branch ${name}`);
        if (data.guardAdminOnly) refuseAdminOnly(await changedPaths(state.git, { kind: 'switch', name }), `switching to branch ${name}`);
        await git(() => state.git.raw(['checkout', '-q', name]), `cannot switch to ${name}`);
        state.branch = name;
        break;
      }
      case 'merge': {
        if (!exists) throw new RegistryRefNotFoundError(`branch ${name}`);
        const into = data.into ? checkedBranch(data.into) : state.branch;
        if (into === name) throw new RegistryConflictError('cannot merge a branch into itself');
        if (data.guardAdminOnly) refuseAdminOnly(await changedPaths(state.git, { kind: 'merge', name, into, current: state.branch }), `merging ${name} into ${into}`);
        if (into !== state.branch) {
          await git(() => state.git.raw(['checkout', '-q', into]), `cannot switch to ${into}`);
          state.branch = into;
        }
        // The merge commit is authored by the actor. simple-git refuses some inherited
        // variables (EDITOR), so the child gets a minimal environment.
        const author = /^(.*) <(.*)>$/.exec(authorOf(data.actor))!;
        const actorGit = state.git.env({ PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', GIT_AUTHOR_NAME: author[1]!, GIT_AUTHOR_EMAIL: author[2]! });
        let failure: string | undefined;
        try {
          // A conflicting merge exits 1 but prints to stdout only, which simple-git does not reject.
          await actorGit.raw(['merge', '--no-ff', '--no-commit', name]);
        } catch (err) {
          failure = (err as Error).message.split('\n')[0];
        }
        const conflicted = (await state.git.raw(['diff', '--name-only', '--diff-filter=U']).catch(() => '')).split('\n').filter(Boolean);
        // files that only grow (the audit trail's days, conversation days) merge as the union of their entries
        const unresolved = await resolveAppendOnly(state.git, state.dir, conflicted, state.ctx.config.registry.resource_samples_kept);
        // "Already up to date" and a refused merge leave no merge in progress
        const merging = await mergeInProgress(state.git);
        if (unresolved.length > 0 || (failure !== undefined && !merging)) {
          await abandonMergeInProgress(state.git).catch(() => undefined);
          throw new RegistryConflictError(`merging ${name} into ${into} conflicts${unresolved.length ? ` in ${unresolved.join(', ')}` : ''}: nothing was changed (${failure ?? 'unmerged files'})`);
        }
        if (merging) await actorGit.raw(['commit', '--no-edit', '-q', '-m', `merge ${name} into ${into}\n\nNox-Actor: ${data.actor}\nNox-Kind: merge\n`]);
        sha = (await state.git.revparse(['HEAD'])).trim();
        const files = (await state.git.raw(['diff', '--name-only', 'HEAD^1', 'HEAD'])).split('\n').filter(Boolean);
        const result: CommitResult = { sha, changeId: `merge-${sha.slice(0, 12)}`, actor: data.actor, message: `merge ${name} into ${into}`, files, branch: into, kind: 'merge' };
        await state.ctx.events.publish({ type: REGISTRY_EVENT.commit, correlationId: data.correlationId, data: result });
        break;
      }
      case 'delete': {
        if (!exists) throw new RegistryRefNotFoundError(`branch ${name}`);
        if (name === state.branch) throw new RegistryConflictError(`cannot delete the current branch ${name}`);
        await state.git.raw(['branch', '-D', name]);
        break;
      }
    }
    state.branch = await currentBranch(state.git);
    // a switch or merge changed the working tree under the published files: publish it whole
    if (data.action === 'switch' || data.action === 'merge') await publishSnapshot(state, data.correlationId);
    const out = { branch: name, current: state.branch, sha };
    await state.ctx.events.publish({ type: REGISTRY_EVENT.branch, correlationId: data.correlationId, data: { action: data.action, actor: data.actor, ...out } });
    return out;
  });
}

export async function handleBackup(state: WriterState, data: BackupJob): Promise<{ remote: string; branches: string[] }> {
  const remote = state.ctx.config.registry.backup_remote;
  if (!remote) throw new UnrecoverableError(encodeJobError(new RegistryNoRemoteError()));
  // A push carries every old version: while any still holds a secret, nothing is pushed.
  if (await historyHoldsSecrets(state.git)) {
    throw new UnrecoverableError(encodeJobError(new RegistryConflictError('the registry history still holds secret values from before they moved to the secrets file: run `nox registry purge-secrets` first; nothing was pushed')));
  }
  const branches = (await state.git.branchLocal()).all;
  let rejected: string | undefined;
  try {
    const out = await state.git.raw(['push', '--porcelain', remote, 'refs/heads/*:refs/heads/*']);
    // Porcelain marks a refused ref with a leading "!" (e.g. the remote moved on).
    rejected = out.split('\n').find((l) => l.startsWith('!'));
  } catch (err) {
    rejected = (err as Error).message.split('\n')[0];
  }
  if (rejected) throw new UnrecoverableError(encodeJobError(new RegistryChangeError(`backup push to the remote failed: ${rejected.replace(remote, redactRemote(remote))}`)));
  await state.ctx.events.publish({ type: REGISTRY_EVENT.backup, correlationId: data.correlationId, data: { actor: data.actor, branches } });
  return { remote: redactRemote(remote), branches };
}

/**
 * Rewrites the history of every branch without secret values (the person's consent is the
 * job's `confirm`), then tells everyone: shas changed, so caches keyed by sha are stale.
 */
export async function handlePurgeSecrets(state: WriterState, data: PurgeSecretsJob): Promise<PurgeResult> {
  return runRefusingBadInput(async () => {
    if (data.confirm !== true) throw new RegistryChangeError('purging secrets rewrites history: it needs confirm = true');
    let result: PurgeResult;
    try {
      result = await purgeSecrets(state);
    } catch (err) {
      throw new RegistryConflictError(`purging secrets failed: ${(err as Error).message}`);
    }
    state.logger.warn('registry history rewritten without secrets', { ...result, actor: data.actor });
    await state.ctx.events.publish({ type: REGISTRY_EVENT.purgeSecrets, correlationId: data.correlationId, data: { actor: data.actor, ...result } });
    return result;
  });
}

function scrubFile(file: string): void {
  if (!existsSync(file)) return;
  const text = readFileSync(file, 'utf8');
  const clean = scrubSecrets(text);
  if (clean !== text) writeFileSync(file, clean);
}

function checkedBranch(name: string): string {
  const r = branchNameSchema.safeParse(name);
  if (!r.success) throw new RegistryChangeError(`invalid branch name: ${r.error.issues[0]?.message}`);
  return r.data;
}

async function git<T>(fn: () => Promise<T>, what: string): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new RegistryConflictError(`${what}: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Never echo credentials in a remote URL. */
export function redactRemote(remote: string): string {
  return remote.replace(/\/\/[^/@]*@/, '//***@');
}
