import { z } from 'zod';

/** Agents' work in git worktrees (docs/WORKTREES.md). */
export const projectsSection = z
  .object({
    /** A stopped agent's uncommitted changes become a WIP commit on its branch `nox/<id>`. Default true. */
    wip_commit: z.boolean().default(true),
    /** At each turn's end (and when its process ends) the agent's branch is pushed to the project's repository, where any host can fetch it. Default true. */
    push_branches: z.boolean().default(true),
    /** The served mirror's upkeep (gc, and removing merged branches of deleted agents) runs after a host's push at most this often per project, in minutes; 0: after every push. Default 10. */
    served_upkeep_minutes: z.number().min(0).max(10_080).default(10),
    /** A merge whose diff is at least this many changed lines is high risk (smaller: medium). Default 500. */
    merge_high_risk_lines: z.number().int().min(1).default(500),
    /** Paths whose change makes a merge high risk (a path matching one of these regular expressions). Default: CI, git hooks and settings, lock files, package manifests. */
    merge_high_risk_paths: z.array(z.string().min(1).max(200)).max(100).default(['^\\.github/', '^\\.gitlab-ci', '^\\.githooks/', '(^|/)\\.gitattributes$', '(^|/)\\.gitmodules$', '(^|/)package\\.json$', '(^|/)Dockerfile', '\\.lock$', '(^|/)Makefile$']),
  })
  .strict();
