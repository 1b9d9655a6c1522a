import { z } from 'zod';
import { ID_PATTERN } from '../ids.js';

/**
 * A project: a git repository agents work on, kept in the registry's projects.toml as
 * `[projects.<name>]` (docs/WORKTREES.md). `repo` is an absolute path or a URL git can
 * fetch; `base` the branch agents start from and merge into.
 */
export const BRANCH_PATTERN = /^(?!-)(?!.*\.\.)(?!.*\/\/)(?!.*@\{)[A-Za-z0-9._/-]{1,200}(?<![./])$/;

export const projectInputSchema = z
  .object({
    name: z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`),
    repo: z
      .string()
      .min(1)
      .max(4096)
      .refine((r) => !r.startsWith('-') && !/[\0\n\r]/.test(r), 'must be a path or URL (no leading dash, no control characters)')
      .refine((r) => !/^ext::/i.test(r), 'the ext:: transport is not allowed'),
    base: z.string().regex(BRANCH_PATTERN, 'must be a branch name').default('main'),
  })
  .strict();
export type ProjectInput = z.input<typeof projectInputSchema>;

export const projectSchema = projectInputSchema.extend({
  created_at: z.string(),
  added_by: z.string(),
});
export type Project = z.output<typeof projectSchema>;

/** The branch of an agent's work. */
export function agentBranch(agentId: string): string {
  return `nox/${agentId}`;
}
