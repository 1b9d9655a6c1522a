/** Events of projects and agents' branches (docs/WORKTREES.md). */
export const PROJECT_EVENT = {
  added: 'project.added',
  removed: 'project.removed',
  /** an agent's branch merged into its base, or pushed for a pull request (data: mode, sha, approvalId) */
  merged: 'agent.merged',
  mergeDenied: 'agent.merge-denied',
  mergeFailed: 'agent.merge-failed',
} as const;
