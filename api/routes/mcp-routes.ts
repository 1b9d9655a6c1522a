import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { agentStoreFor, requireAgent } from '../../shared/agents/agent-store.js';
import { APPROVAL_ID_PATTERN } from '../../shared/approvals/approval-request.js';
import { approvalsFor } from '../../shared/approvals/approvals.js';
import { McpServiceNotFoundError } from '../../shared/errors/mcp-errors.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { catalogEntrySchema, enabledServices, isAgentAllowed } from '../../shared/mcp/catalog.js';
import { createMcpCatalogStore } from '../../shared/mcp/catalog-store.js';
import { discoverImages } from '../../shared/mcp/discovery.js';
import { createEngine, type Engine } from '../../shared/mcp/engine.js';
import { createInstallStore, installRecordSchema, installRequestInputSchema, requestInstall } from '../../shared/mcp/install-requests.js';
import { mountPolicyFor } from '../../shared/mcp/mount-policy.js';
import { enqueueRemove } from '../../shared/mcp/mcp-jobs.js';
import { SERVICE_NAME_PATTERN } from '../../shared/mcp/run-spec.js';
import { actorSchema, type Actor } from '../../shared/registry/changes.js';
import { createRegistryClient } from '../../shared/registry/registry-client.js';
import type { ApiDeps } from '../deps.js';
import { imageRoutes } from '../mcp/image-routes.js';
import { OPERATORS, PEOPLE } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

/**
 * /api/mcp (issue 8; docs/MCP.md): the catalog of MCP services, installing (an approval of
 * type install_mcp, carried out by the `mcp` queue once approved), removing (the `mcp`
 * queue: catalog entry, then containers), discovery through the engine, and turning a
 * service on or off for one agent (`[services.<name>.enabled]` in the catalog; the agent
 * must be in the service's `agents`, else 403 `ERROR_CODE.mcpServiceNotAllowed`).
 *
 * People read; operators and admins act. Agents have no access: an agent that wants a
 * service asks a person (request_approval).
 */
const serviceName = z.string().regex(SERVICE_NAME_PATTERN, `must match ${SERVICE_NAME_PATTERN.source}`);
const agentId = z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`);
const serviceParams = z.object({ name: serviceName }).strict();
const agentServiceParams = z.object({ id: agentId, service: serviceName }).strict();
const agentParams = z.object({ id: agentId }).strict();
const installParams = z.object({ id: z.string().regex(APPROVAL_ID_PATTERN) }).strict();
const discoverQuery = z.object({ q: z.string().max(200).default('') }).strict();

const serviceView = catalogEntrySchema.extend({ name: z.string() });
const listResponse = z.object({
  services: z.array(serviceView),
  /** entries of mcp-services.toml that do not validate (left out of `services`) */
  invalid: z.array(z.object({ service: z.string(), message: z.string() })),
});
const agentMcpResponse = z.object({
  agent: z.string(),
  enabled: z.array(z.string()),
  /** services this agent may enable */
  allowed: z.array(z.string()),
});
const enableResponse = agentMcpResponse.extend({ changed: z.boolean(), note: z.string() });

function actorFrom(who: string): Actor {
  return actorSchema.safeParse(who).success ? (who as Actor) : 'system';
}

export function mcpRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  // Writes are rare here: one queue-events connection per wait, none kept open.
  const registry = createRegistryClient(ctx, { sharedQueueEvents: false });
  // Entries whose mounts the policy refuses are listed as invalid, never as services.
  const catalog = createMcpCatalogStore(registry, { mounts: mountPolicyFor(ctx.config) });
  const installs = createInstallStore(ctx);
  let engine: Engine | undefined;
  const engineOf = (): Engine => (engine ??= createEngine({ dockerHost: ctx.config.mcp.docker_host }));

  const agentView = (id: string): z.infer<typeof agentMcpResponse> => {
    const current = catalog.read().catalog;
    return {
      agent: id,
      enabled: enabledServices(current, id),
      allowed: Object.entries(current.services)
        .filter(([, e]) => isAgentAllowed(e, id))
        .map(([n]) => n)
        .sort(),
    };
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/mcp/services',
      summary: 'The MCP service catalog (mcp-services.toml)',
      tag: 'mcp',
      auth: PEOPLE,
      responses: { 200: { description: 'services by name', schema: listResponse } },
      handler: async () => {
        const { catalog: current, invalid } = catalog.read();
        const services = Object.entries(current.services)
          .map(([name, entry]) => ({ name, ...entry }))
          .sort((a, b) => a.name.localeCompare(b.name));
        return { services, invalid };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/mcp/services',
      summary: 'Ask to install an MCP service: an install_mcp approval; once approved the mcp queue imports or pulls the image, checks it and adds it to the catalog',
      tag: 'mcp',
      auth: OPERATORS,
      body: installRequestInputSchema,
      status: 202,
      responses: { 202: { description: 'the install request; decide its approval (approval_id) through /api/approvals', schema: installRecordSchema } },
      handler: async ({ body, principal, correlationId }) =>
        requestInstall(ctx, { approvals: approvalsFor(ctx), catalog, installs }, body, requester(principal), correlationId ?? randomUUID()),
    }),
    defineRoute({
      method: 'get',
      path: '/api/mcp/installs',
      summary: 'Install requests not yet settled (pending approval, or installing), oldest first',
      tag: 'mcp',
      auth: PEOPLE,
      responses: { 200: { description: 'open install requests', schema: z.object({ installs: z.array(installRecordSchema) }) } },
      handler: async () => {
        const records = await Promise.all((await installs.open(100)).map((id) => installs.get(id)));
        return { installs: records.filter((r) => r !== undefined) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/mcp/installs/:id',
      summary: 'An install request by its approval id: pending, installing, installed, denied or failed (with the reason)',
      tag: 'mcp',
      auth: PEOPLE,
      params: installParams,
      responses: { 200: { description: 'the install request', schema: installRecordSchema } },
      handler: async ({ params }) => installs.require(params.id),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/mcp/services/:name',
      summary: 'Remove an MCP service: the mcp queue deletes its catalog entry, then stops and removes its containers',
      tag: 'mcp',
      auth: OPERATORS,
      params: serviceParams,
      status: 202,
      responses: { 202: { description: 'queued', schema: z.object({ service: z.string(), job_id: z.string() }) } },
      handler: async ({ params, principal, correlationId }) => {
        catalog.get(params.name); // 404 `ERROR_CODE.mcpServiceNotFound`
        const jobId = await enqueueRemove(ctx, {
          service: params.name,
          requestId: randomUUID(),
          requestedBy: actorFrom(requester(principal)),
          ...(correlationId ? { correlationId } : {}),
        });
        return { service: params.name, job_id: jobId };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/mcp/discover',
      summary: 'Images for MCP services: local images matching q, and the registry search — or the reason the registry cannot be reached',
      tag: 'mcp',
      auth: PEOPLE,
      query: discoverQuery,
      responses: {
        200: {
          description: 'local matches and remote results (remote.ok false with a reason when the registry is unreachable)',
          schema: z.object({
            local: z.array(z.object({ id: z.string(), tags: z.array(z.string()), labels: z.record(z.string(), z.string()), sizeBytes: z.number(), created: z.number() })),
            remote: z.union([
              z.object({ ok: z.literal(true), results: z.array(z.object({ name: z.string(), description: z.string(), stars: z.number(), official: z.boolean() })) }),
              z.object({ ok: z.literal(false), reason: z.string() }),
            ]),
          }),
        },
      },
      handler: async ({ query }) => {
        const e = engineOf();
        await e.ping(); // 503 `ERROR_CODE.engineUnavailable` when there is no engine
        return discoverImages(e, query.q);
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/agents/:id/mcp',
      summary: 'The MCP services an agent has on, and those it may enable',
      tag: 'mcp',
      auth: PEOPLE,
      params: agentParams,
      responses: { 200: { description: 'enabled and allowed services', schema: agentMcpResponse } },
      handler: async ({ params }) => {
        await requireAgent(agentStoreFor(ctx), params.id);
        return agentView(params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/agents/:id/mcp/:service',
      summary: 'Enable an MCP service for an agent (it must be among the service’s agents); applies at the agent’s next start',
      tag: 'mcp',
      auth: OPERATORS,
      params: agentServiceParams,
      responses: { 200: { description: 'the agent’s services after the change', schema: enableResponse } },
      handler: async ({ params, principal }) => {
        await requireAgent(agentStoreFor(ctx), params.id);
        const commit = await catalog.setEnabled(params.service, params.id, true, actorFrom(requester(principal)));
        return { ...agentView(params.id), changed: commit !== null, note: 'takes effect when the agent next starts (restart it to apply now)' };
      },
    }),
    defineRoute({
      method: 'delete',
      path: '/api/agents/:id/mcp/:service',
      summary: 'Disable an MCP service for an agent; applies at the agent’s next start',
      tag: 'mcp',
      auth: OPERATORS,
      params: agentServiceParams,
      responses: { 200: { description: 'the agent’s services after the change', schema: enableResponse } },
      handler: async ({ params, principal }) => {
        if (!catalog.read().catalog.services[params.service]) throw new McpServiceNotFoundError(params.service);
        const commit = await catalog.setEnabled(params.service, params.id, false, actorFrom(requester(principal)));
        return { ...agentView(params.id), changed: commit !== null, note: 'takes effect when the agent next starts (restart it to apply now)' };
      },
    }),
    ...imageRoutes(deps),
  ];
}
