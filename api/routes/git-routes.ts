import path from 'node:path';
import type { Request, Response } from 'express';
import { z } from 'zod';
import type { Logger } from '../../shared/logger.js';
import { ownerOf } from '../../shared/agents/runtime-state.js';
import { ERROR_CODE } from '../../shared/errors/codes.js';
import { AgentNotOnHostError, HostCredentialError } from '../../shared/errors/host-credential-errors.js';
import { NoxError } from '../../shared/errors/nox-error.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { gitSlotsFor } from '../../shared/projects/git-limit.js';
import { servedAgentsRoot, servedMirror, servedRoot } from '../../shared/projects/project-paths.js';
import { projectStore } from '../../shared/projects/project-store.js';
import { sharedUse } from '../../shared/projects/served-gate.js';
import { servedAgent, servedView } from '../../shared/projects/served-mirror.js';
import { registryClientFor } from '../../shared/registry/registry-client.js';
import type { ApiDeps } from '../deps.js';
import { hostActor, hostCredentialOf } from '../hosts/host-auth.js';
import type { HostCredentialIssuer } from '../hosts/host-credential-issuer.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { clientGoneSignal, runHttpBackend } from '../projects/git-http-backend.js';
import { gitRequestLimit } from '../projects/git-rate-limit.js';
import { servedUpkeepRunner } from '../projects/served-upkeep-runner.js';

/**
 * The mirror Nox serves (docs/WORKTREES.md, "Movable"), over git's smart-HTTP protocol, to
 * worker hosts with a host credential (`Authorization: Bearer noxh_…`, as their other
 * `/api/host` calls). One URL per agent — `/api/projects/<project>/agents/<id>/git` — and only
 * for the host the agent is placed on (its owner; or none, between a stop and the next
 * start). It serves the agent's own served repository (served-mirror.ts), which holds the
 * project's base and the agent's own branch and no other agent's objects: the host fetches
 * those two (servedView) and pushes `nox/<id>`, which the repository's update hook makes the
 * only ref a push there may write, forward only.
 */
const params = z.object({ name: z.string().regex(ID_PATTERN), agent: z.string().regex(ID_PATTERN) });
const refsQuery = z.object({ service: z.enum(['git-upload-pack', 'git-receive-pack']) }).passthrough();
const BASE = '/api/projects/:name/agents/:agent/git';
const PACK_TIMEOUT_MS = 600_000;

export function gitRoutes(deps: ApiDeps, issuer: HostCredentialIssuer): RouteSpec[] {
  const { ctx } = deps;
  const upkeep = servedUpkeepRunner(deps);

  const serve = async (p: z.infer<typeof params>, service: 'git-upload-pack' | 'git-receive-pack', hostId: string | undefined, pathInfo: string, req: Request, res: Response, logger: Logger): Promise<undefined> => {
    if (!hostId) throw new HostCredentialError(ERROR_CODE.hostCredentialInvalid, 'This host credential has not joined yet: POST /api/host/join first');
    const registry = registryClientFor(ctx);
    const project = projectStore(registry).require(p.name);
    const agent = registry.read.agent(p.agent);
    if (!agent || agent.project !== project.name) throw new NoxError(ERROR_CODE.agentNotFound, `no agent ${p.agent} works on project ${project.name}`);
    const owner = await ownerOf(ctx.redis, ctx.keys, p.agent);
    if (owner !== undefined && owner !== hostId) throw new AgentNotOnHostError(p.agent, hostId, owner);
    const pushed = service === 'git-receive-pack' && pathInfo === '/git-receive-pack';
    await gitSlotsFor(ctx).served.run(() =>
      // beside other fetches and pushes, never beside the mirror's upkeep
      sharedUse(servedMirror(ctx.config, project.name), async () => {
        // a fetch sees the project's base as it is now; a push needs the agent's repository to exist
        const refresh = service === 'git-upload-pack' && pathInfo.endsWith('/info/refs');
        await servedAgent(ctx.config, project, p.agent, logger, { refresh });
        await runHttpBackend(req, res, {
          root: servedRoot(ctx.config),
          // the agent's own served repository: no other agent's object is in it
          pathInfo: `/${path.basename(servedAgentsRoot(ctx.config, project.name))}/${p.agent}.git${pathInfo}`,
          remoteUser: `host:${hostId}`,
          timeoutMs: PACK_TIMEOUT_MS,
          config: servedView(project, p.agent),
          ...(service === 'git-receive-pack' ? { pushAgent: p.agent } : {}),
        });
      }),
      // one host runs at most two at once (its others wait), and a request whose host hung up while it waited leaves the queue
      { key: hostId, signal: clientGoneSignal(req, res) },
    );
    if (pushed) upkeep.afterPush(project);
    return undefined;
  };

  // the host credential is verified by the git requests' own limit, which counts them (git-rate-limit.ts)
  const common = { tag: 'projects', auth: 'public' as const, publicLimit: gitRequestLimit(ctx, issuer), auditActor: hostActor, params };
  return [
    defineRoute({
      ...common,
      method: 'get',
      path: `${BASE}/info/refs`,
      summary: 'Git smart HTTP for a host (Authorization: Bearer noxh_…): the refs of the project’s served mirror',
      query: refsQuery,
      responses: { 200: { description: 'The ref advertisement (application/x-<service>-advertisement)' } },
      handler: async ({ params: p, query, logger }, req, res) => serve(p, query.service, hostCredentialOf(res).hostId, '/info/refs', req, res, logger),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: `${BASE}/git-upload-pack`,
      summary: 'Git smart HTTP for a host: fetch from the project’s served mirror',
      responses: { 200: { description: 'The pack (application/x-git-upload-pack-result)' } },
      handler: async ({ params: p, logger }, req, res) => serve(p, 'git-upload-pack', hostCredentialOf(res).hostId, '/git-upload-pack', req, res, logger),
    }),
    defineRoute({
      ...common,
      method: 'post',
      path: `${BASE}/git-receive-pack`,
      summary: 'Git smart HTTP for a host: push the agent’s branch nox/<agent> (created or fast-forwarded; nothing else)',
      responses: { 200: { description: 'The push report (application/x-git-receive-pack-result)' } },
      handler: async ({ params: p, logger }, req, res) => serve(p, 'git-receive-pack', hostCredentialOf(res).hostId, '/git-receive-pack', req, res, logger),
    }),
  ];
}
