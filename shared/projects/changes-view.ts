/**
 * The answer of GET /api/agents/:id/changes (shared/projects/branch-changes.ts builds it).
 * No imports: the dashboard bundles this file too.
 */
export interface ChangedFile {
  path: string;
  status: string;
  additions: number;
  deletions: number;
}

export interface AgentChanges {
  agent: string;
  project: string;
  branch: string;
  base: string;
  base_sha: string;
  head_sha: string | null;
  ahead: number;
  behind: number;
  commits: { sha: string; subject: string; author: string; at: string }[];
  /** every file that differs from the merge base, the uncommitted state of the worktree included */
  files: ChangedFile[];
  /** files changed in the worktree and not committed (empty when the worktree is on another host) */
  uncommitted: string[];
  worktree: 'here' | 'elsewhere';
  mergeable: boolean;
  conflicts: string[];
  diff: string;
  diff_truncated: boolean;
}
