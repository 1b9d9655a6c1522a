import type { SimpleGit } from 'simple-git';
import { AdminOnlyChangeError, RegistryRefNotFoundError } from '../errors/registry-errors.js';
import { ROOT_FILES } from './layout.js';

/**
 * Files of the registry only an admin may change through a history operation (rollback,
 * branch switch, merge): system-config.toml holds the system settings, the users and the
 * approval policy (rules and remembered rules). An operator who could roll it back or switch
 * to a branch with another version could undo an admin's change — a policy rule, a user's
 * removal (DESIGN.md, "Containment": operators cannot undo admin-only changes).
 *
 * What an operation would change is its diff, computed the same way before the job is
 * queued (the API answers 403 at once) and again by the writer as it runs (so an admin's
 * change committed in between is not undone by an operator's job that was checked before it).
 */
export const ADMIN_ONLY_FILES: readonly string[] = [ROOT_FILES['system-config']];

/** The history operations the guard knows, with what each needs to compute its diff. */
export type GuardedOperation =
  | { kind: 'rollback'; target: string; scope?: string }
  | { kind: 'switch'; name: string }
  | { kind: 'merge'; name: string; into: string; current: string };

const names = (out: string): string[] => out.split('\n').filter(Boolean);

/**
 * The paths an operation would change in the working tree (`target` and branch names
 * validated by the caller). A ref git does not know is 404 `ERROR_CODE.registryRefNotFound`.
 */
export async function changedPaths(git: SimpleGit, op: GuardedOperation): Promise<string[]> {
  const raw = async (range: string[], scope = '.'): Promise<string> => {
    try {
      return await git.raw(['diff', '--name-only', '--no-renames', ...range, '--', scope]);
    } catch (err) {
      throw new RegistryRefNotFoundError(`${range.join(' ')} (${(err as Error).message.split('\n')[0]})`);
    }
  };
  const diff = (from: string, to: string, scope?: string): Promise<string> => raw([from, to], scope);
  switch (op.kind) {
    case 'rollback':
      return names(await diff(op.target, 'HEAD', op.scope));
    case 'switch':
      return names(await diff('HEAD', op.name));
    case 'merge': {
      // A merge into another branch first checks that branch out, then brings in what `name`
      // changed since the two parted (three dots: from their merge base).
      const leave = op.into === op.current ? [] : names(await diff('HEAD', op.into));
      const bring = names(await raw([`${op.into}...${op.name}`]));
      return [...new Set([...leave, ...bring])];
    }
  }
}

/** Throws 403 `ERROR_CODE.adminOnlyChange` when `paths` hold an admin-only file. */
export function refuseAdminOnly(paths: readonly string[], what: string): void {
  const touched = paths.filter((p) => ADMIN_ONLY_FILES.includes(p));
  if (touched.length > 0) throw new AdminOnlyChangeError(what, touched);
}
