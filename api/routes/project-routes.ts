import { z } from 'zod';
import { agentStoreFor, requireAgent } from '../../shared/agents/agent-store.js';
import { agentRequestDepsFor } from '../../shared/approvals/agent-request-deps.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { NoxError } from '../../shared/errors/nox-error.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { MERGE_MODES } from '../../shared/projects/branch-merge.js';
import { PROJECT_EVENT } from '../../shared/projects/project-events.js';
import { projectInputSchema, projectSchema } from '../../shared/projects/project-model.js';
import { projectStore } from '../../shared/projects/project-store.js';
import { checkRepository } from '../../shared/projects/repo-check.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import type { ApiDeps } from '../deps.js';
import { OPERATORS, PEOPLE } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { askMerge, changesOf } from '../projects/project-acts.js';
import { answer, waiting, waitingView } from './agents/agent-views.js';

/**
 * Projects (projects.toml) and the review of agents' branches (docs/WORKTREES.md):
 * /api/projects, GET /api/agents/:id/changes, POST /api/agents/:id/merge (a `merge` approval).
 */
const nameParams = z.object({ name: z.string().regex(ID_PATTERN) }).strict();
const idParams = z.object({ id: z.string().regex(ID_PATTERN) }).strict();
const mergeBody = z.object({ mode: z.enum(MERGE_MODES).default('merge') }).strict().default({ mode: 'merge' });

export function projectRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const registry = registryClientFor(ctx);
  const projects = projectStore(registry);
  const agents = agentStoreFor(ctx);
  const requestDeps = agentRequestDepsFor(ctx);

  return [
    defineRoute({
      method: 'get',
      path: '/api/projects',
      summary: 'Projects: repositories agents work on in git worktrees',
      tag: 'projects',
      auth: PEOPLE,
      responses: { 200: { description: 'every project', schema: z.object({ projects: z.array(projectSchema) }) } },
      handler: async () => ({ projects: projects.list() }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/projects/:name',
      summary: 'One project, and the agents working on it',
      tag: 'projects',
      auth: PEOPLE,
      params: nameParams,
      handler: async ({ params }) => ({ ...projects.require(params.name), agents: agentsOf(params.name) }),
    }),
    defineRoute({
      method: 'post',
      path: '/api/projects',
      summary: 'Add a project: its repository (an absolute path or a URL) and base branch are checked first',
      tag: 'projects',
      auth: OPERATORS,
      body: projectInputSchema,
      status: 201,
      handler: async ({ body, principal, correlationId }) => {
        const input = projectInputSchema.parse(body);
        if (projects.get(input.name)) throw new NoxError(ERROR_CODE.projectExists, `project ${input.name} exists already`);
        const { baseSha } = await checkRepository(input.repo, input.base);
        const project = { ...input, created_at: new Date().toISOString(), added_by: requester(principal) };
        await projects.add(project, requester(principal) as never, correlationId);
        await ctx.events.publish({ type: PROJECT_EVENT.added, correlationId, data: { project: project.name, repo: project.repo, base: project.base, by: project.added_by } });
        return { ...project, base_sha: baseSha };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/projects/:name',
      summary: 'Remove a project no agent names (the repository, the mirrors and the agents’ branches are left as they are)',
      tag: 'projects',
      auth: OPERATORS,
      params: nameParams,
      status: 204,
      handler: async ({ params, principal, correlationId }) => {
        projects.require(params.name);
        const users = agentsOf(params.name);
        if (users.length > 0) throw new NoxError(ERROR_CODE.projectInUse, `project ${params.name} is used by ${users.length} agent(s): ${users.slice(0, 20).join(', ')}`, { extensions: { agents: users } });
        await projects.remove(params.name, requester(principal) as never, correlationId);
        await ctx.events.publish({ type: PROJECT_EVENT.removed, correlationId, data: { project: params.name, by: requester(principal) } });
        return undefined;
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/agents/:id/changes',
      summary: 'What an agent changed against its project’s base: commits, files, ahead/behind, diff, conflicts',
      tag: 'agents',
      auth: PEOPLE,
      params: idParams,
      handler: async ({ params, logger }) => changesOf(ctx, await requireAgent(agents, params.id), logger),
    }),
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/merge',
      summary: 'Merge an agent’s branch into its project’s base (`mode: merge`) or push it for a pull request (`mode: push`), through a `merge` approval',
      tag: 'agents',
      auth: OPERATORS,
      params: idParams,
      body: mergeBody,
      responses: {
        200: { description: 'done: the policy approved at once (`result` says what was merged)' },
        202: { description: 'the merge waits for a person: decide `approval_id`; GET /api/agent-requests/{approval_id} says how it ended', schema: waitingView },
      },
      handler: async ({ params, body, principal, correlationId, logger }, _req, res) => {
        const config = await requireAgent(agents, params.id);
        const outcome = await askMerge(ctx, requestDeps, config, body.mode, requester(principal), correlationId, logger);
        if (outcome.status !== 'done') return answer(res, 202, waiting(outcome));
        return { id: config.id, status: 'done', approval_id: outcome.approval.id, result: outcome.request.result ?? {} };
      },
    }),
  ];

  function agentsOf(name: string): string[] {
    return Object.entries(registry.read.agents())
      .filter(([, a]) => a.project === name)
      .map(([id]) => id)
      .sort();
  }
}
