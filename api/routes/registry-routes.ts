import { z } from 'zod';
import { ID_PATTERN } from '../../shared/ids.js';
import { changedPaths, refuseAdminOnly, type GuardedOperation } from '../../shared/registry/admin-only-files.js';
import { actorSchema, branchNameSchema, userActor, type Actor, type BranchAction } from '../../shared/registry/changes.js';
import { DATE_PATTERN } from '../../shared/registry/layout.js';
import { registryClientFor, type RegistryClient } from '../../shared/registry/registry-client.js';
import { readCommit, readGit, readHistory, resolveCommit, resolveTime, SHA_PATTERN } from '../../shared/registry/registry-history.js';
import { safeRelativePath } from '../../shared/registry/layout.js';
import type { Principal } from '../../shared/types.js';
import type { ApiDeps } from '../deps.js';
import { ADMINS, OPERATORS, PEOPLE } from '../http/auth.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

/**
 * /api/registry: history, one commit's diff, rollback (to a commit or a time, as a new
 * commit), branches, backup, and reads of conversations and tasks. Reads come from the
 * folder and git directly; every write is a job for the registry writer.
 * Roles: people read; operators and admins write — but only an admin rolls back, switches
 * or merges over an admin-only file (system-config.toml: settings, users, policy): for
 * anyone else such a diff is 403 `ERROR_CODE.adminOnlyChange`, checked here before the job
 * is queued and again by the writer as it runs (shared/registry/admin-only-files.ts).
 */
const relPath = z.string().min(1).max(512).refine((p) => {
  try {
    safeRelativePath(p);
    return true;
  } catch {
    return false;
  }
}, 'must be a path inside the registry (no "..", no absolute paths, not .git or .runtime)');
const sha = z.string().regex(SHA_PATTERN, 'must be 4-40 hex characters');
const agentParams = z.object({ id: z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`) }).strict();

const historyEntry = z.object({
  sha: z.string(),
  parents: z.array(z.string()),
  author: z.object({ name: z.string(), email: z.string() }),
  actor: z.string(),
  at: z.string(),
  message: z.string(),
  kind: z.string().nullable(),
  changeId: z.string().nullable(),
  /** every change the commit holds (a group commit holds several), in order */
  changes: z.array(z.object({ changeId: z.string(), actor: z.string(), message: z.string() })),
  files: z.array(z.string()),
});
const commitResult = z.object({
  sha: z.string().nullable(),
  changeId: z.string(),
  actor: z.string(),
  message: z.string(),
  files: z.array(z.string()),
  branch: z.string(),
  kind: z.string(),
});

const rollbackBody = z
  .object({
    sha: sha.optional(),
    time: z.iso.datetime({ offset: true }).optional(),
    path: relPath.optional(),
  })
  .strict()
  .refine((b) => (b.sha === undefined) !== (b.time === undefined), 'give exactly one of sha or time');

const branchBody = z.discriminatedUnion('action', [
  z.object({ action: z.literal('create'), name: branchNameSchema, from: z.union([sha, branchNameSchema]).optional() }).strict(),
  z.object({ action: z.literal('switch'), name: branchNameSchema }).strict(),
  z.object({ action: z.literal('merge'), name: branchNameSchema, into: branchNameSchema.optional() }).strict(),
  z.object({ action: z.literal('delete'), name: branchNameSchema }).strict(),
]);

const purgeBody = z
  .object({ confirm: z.literal(true, { message: 'rewriting history needs confirm: true (every commit sha from the first secret on changes)' }) })
  .strict();

/** The principal as a commit author; names outside the actor alphabet are folded. */
export function actorOf(principal: Principal | undefined): Actor {
  if (!principal) return 'system';
  if (principal.role === 'agent' && principal.agentId) return `agent:${principal.agentId}`;
  return userActor(principal.sub);
}

/** Who must not change admin-only files: everyone but an admin. */
const guarded = (principal: Principal | undefined): boolean => principal?.role !== 'admin';

export function registryRoutes(deps: ApiDeps): RouteSpec[] {
  const dir = deps.ctx.config.registryDir;
  // the context's shared client (made on first use, closed with the context)
  const registry = (): RegistryClient => registryClientFor(deps.ctx);

  /**
   * The fast refusal, from the folder as it is now (the writer checks again when it runs).
   * A ref that does not resolve is left to the writer, which answers it with its own 404.
   */
  const refuseEarly = async (what: string, op: (git: NonNullable<ReturnType<typeof readGit>>) => Promise<GuardedOperation | undefined>): Promise<void> => {
    const git = readGit(dir);
    if (!git) return;
    let paths: string[];
    try {
      const resolved = await op(git);
      if (!resolved) return;
      paths = await changedPaths(git, resolved);
    } catch {
      return;
    }
    refuseAdminOnly(paths, what);
  };
  const branchOperation = async (git: NonNullable<ReturnType<typeof readGit>>, body: BranchAction): Promise<GuardedOperation | undefined> => {
    if (body.action === 'switch') return { kind: 'switch', name: body.name };
    if (body.action !== 'merge') return undefined; // create and delete change no file
    const current = (await git.branchLocal()).current;
    return { kind: 'merge', name: body.name, into: body.into ?? current, current };
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/registry/history',
      summary: 'Commits of the registry, newest first; filter by path, actor, branch',
      tag: 'registry',
      auth: PEOPLE,
      query: z
        .object({
          path: relPath.optional(),
          actor: actorSchema.optional(),
          branch: branchNameSchema.optional(),
          limit: z.coerce.number().int().min(1).max(1000).default(50),
          skip: z.coerce.number().int().min(0).max(1_000_000).default(0),
        })
        .strict(),
      responses: { 200: { description: 'Commits', schema: z.object({ commits: z.array(historyEntry) }) } },
      handler: async ({ query }) => ({ commits: await readHistory(dir, query) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/registry/commits/:sha',
      summary: 'One commit: who, when, what, and its diff',
      tag: 'registry',
      auth: PEOPLE,
      params: z.object({ sha }).strict(),
      responses: { 200: { description: 'The commit and its unified diff', schema: historyEntry.extend({ body: z.string(), diff: z.string(), truncated: z.boolean() }) } },
      handler: async ({ params }) => readCommit(dir, params.sha),
    }),
    defineRoute({
      method: 'post',
      path: '/api/registry/rollback',
      summary: 'Restore the registry (or one path) as it was at a commit or a time, as a new commit',
      tag: 'registry',
      auth: OPERATORS,
      body: rollbackBody,
      responses: { 200: { description: 'The new commit (sha null when nothing differed)', schema: commitResult } },
      handler: async ({ body, principal, correlationId }) => {
        const guard = guarded(principal);
        if (guard) {
          await refuseEarly(`rolling back ${body.path ?? 'the registry'} to ${body.sha ?? body.time}`, async (git) => ({
            kind: 'rollback',
            target: body.sha ? await resolveCommit(git, body.sha) : await resolveTime(git, body.time!),
            ...(body.path ? { scope: safeRelativePath(body.path) } : {}),
          }));
        }
        return registry().rollback(body.sha ? { sha: body.sha } : { time: body.time! }, actorOf(principal), { correlationId, guardAdminOnly: guard, ...(body.path ? { path: body.path } : {}) });
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/registry/status',
      summary: 'Is a registry writer running, how many appends wait for a flush, which branch is current',
      tag: 'registry',
      auth: PEOPLE,
      handler: async () => {
        const { redis, keys } = deps.ctx;
        const [holder, buffered, counts] = await Promise.all([
          redis.get(keys.registryWriter()),
          redis.llen(keys.registryAppends()),
          deps.ctx.queue('registry').getJobCounts('waiting', 'prioritized', 'active', 'failed', 'delayed'),
        ]);
        const git = readGit(dir);
        return {
          writer: holder ? { running: true, pid: Number(holder.split('-')[0]) || null } : { running: false, pid: null },
          bufferedAppends: buffered,
          queue: counts,
          branch: git ? (await git.branchLocal()).current : null,
        };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/registry/branches',
      summary: 'Branches of the registry and the current one',
      tag: 'registry',
      auth: PEOPLE,
      handler: async () => {
        const git = readGit(dir);
        if (!git) return { current: null, branches: [] };
        const b = await git.branchLocal();
        return { current: b.current, branches: b.all.map((name) => ({ name, sha: b.branches[name]?.commit ?? null })) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/registry/branches',
      summary: 'Create, switch to, merge back or delete a branch (experimental configurations)',
      tag: 'registry',
      auth: OPERATORS,
      body: branchBody,
      handler: async ({ body, principal, correlationId }) => {
        const guard = guarded(principal);
        if (guard) await refuseEarly(`${body.action === 'merge' ? 'merging' : 'switching to'} branch ${body.name}`, (git) => branchOperation(git, body));
        return registry().branch(body, actorOf(principal), { correlationId, guardAdminOnly: guard });
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/registry/backup',
      summary: 'Push every branch to the configured backup remote (registry.backup_remote)',
      tag: 'registry',
      auth: OPERATORS,
      handler: async ({ principal, correlationId }) => registry().backup(actorOf(principal), { correlationId }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/registry/purge-secrets',
      summary: 'Rewrite every branch of the registry history without the secret values old versions of system-config.toml held (admins; needs confirm: true)',
      tag: 'registry',
      auth: ADMINS,
      body: purgeBody,
      handler: async ({ principal, correlationId }) => registry().purgeSecrets(actorOf(principal), { correlationId, timeoutMs: 600_000 }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/registry/agents/:id/conversations',
      summary: "The days of an agent's conversation log (closed days are compressed)",
      tag: 'registry',
      auth: PEOPLE,
      params: agentParams,
      handler: async ({ params }) => ({ agentId: params.id, days: registry().read.conversationDays(params.id) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/registry/agents/:id/conversations/:date',
      summary: "One UTC day of an agent's conversation, compressed or not",
      tag: 'registry',
      auth: PEOPLE,
      params: agentParams.extend({ date: z.string().regex(DATE_PATTERN, 'must be YYYY-MM-DD') }).strict(),
      handler: async ({ params }) => ({ agentId: params.id, date: params.date, entries: registry().read.conversation(params.id, params.date) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/registry/agents/:id/tasks',
      summary: "An agent's tasks as recorded (tasks.toml) and as the markdown file people edit",
      tag: 'registry',
      auth: PEOPLE,
      params: agentParams,
      handler: async ({ params }) => {
        const r = registry();
        return { agentId: params.id, tasks: r.read.agentTasks(params.id), markdown: r.text({ family: 'tasks-md', agentId: params.id }) ?? null };
      },
    }),
  ];
}
