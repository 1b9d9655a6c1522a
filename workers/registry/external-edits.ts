import type { CommitResult } from '../../shared/registry/changes.js';
import { commitChange, type WriterState } from './writer-state.js';

/**
 * Files changed outside the writer while it was not running — system-config.toml written
 * by `nox up`'s bootstrap or `nox user`, a person's edit — are committed once at start,
 * by `system`, so the history has them and later diffs stay about one change each.
 * `.runtime/` is ignored by .gitignore and never shows up here.
 */
export async function commitExternalEdits(state: WriterState, correlationId: string): Promise<CommitResult | null> {
  const out = await state.git.raw(['status', '--porcelain=v1', '-z', '--untracked-files=all', '--no-renames']);
  const paths = out
    .split('\0')
    .filter((r) => r.length > 3)
    .map((r) => r.slice(3));
  if (paths.length === 0) return null;
  return commitChange(state, {
    changeId: `external-${Date.now()}`,
    actor: 'system',
    message: `record ${paths.length} file(s) changed outside the writer: ${paths.slice(0, 5).join(', ')}${paths.length > 5 ? ', ...' : ''}`,
    kind: 'external',
    correlationId,
    journalPaths: [],
    write: () => paths,
  });
}
