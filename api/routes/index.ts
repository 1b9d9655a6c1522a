import type { ApiDeps } from '../deps.js';
import type { RouteSpec } from '../http/route.js';
import type { UserDirectory } from '../users.js';
import { agentBulkRoutes } from './agents/agent-bulk-routes.js';
import { agentLifecycleRoutes } from './agents/agent-lifecycle-routes.js';
import { agentReadRoutes } from './agents/agent-read-routes.js';
import { agentRequestRoutes } from './agents/agent-request-routes.js';
import { agentTurnRoutes } from './agents/agent-turn-routes.js';
import { approvalRoutes } from './approval-routes.js';
import { attentionRoutes } from './attention-routes.js';
import { auditRoutes } from './audit-routes.js';
import { costRoutes } from './cost-routes.js';
import { authRoutes } from './auth-routes.js';
import { registryRoutes } from './registry-routes.js';
import { createHostCredentialIssuer } from '../hosts/host-credential-issuer.js';
import { hostRoutes } from './host-routes.js';
import { hostJoinRoutes } from './host-join-routes.js';
import { hostTokenRoutes } from './host-token-routes.js';
import { mcpRoutes } from './mcp-routes.js';
import { memoryRoutes } from './memory-routes.js';
import { messageRoutes } from './message-routes.js';
import { gitRoutes } from './git-routes.js';
import { projectRoutes } from './project-routes.js';
import { systemRoutes } from './system-routes.js';
import { taskRoutes } from './task-routes.js';
import { topicRoutes } from './topic-routes.js';

/**
 * Every route module of the API, in one list. A new area (agents, tasks, registry, ...)
 * adds its module here; the OpenAPI document is built from the same list.
 */
export function allRoutes(deps: ApiDeps, users: UserDirectory, secret: string): RouteSpec[] {
  const hostCredentials = createHostCredentialIssuer(deps.ctx, secret);
  return [
    ...authRoutes(deps, users, secret),
    ...systemRoutes(deps),
    ...agentBulkRoutes(deps),
    ...hostRoutes(deps),
    ...hostTokenRoutes(hostCredentials),
    ...hostJoinRoutes(deps, secret, hostCredentials),
    ...agentLifecycleRoutes(deps),
    ...agentRequestRoutes(deps),
    ...agentReadRoutes(deps),
    ...agentTurnRoutes(deps),
    ...approvalRoutes(deps),
    ...attentionRoutes(deps),
    ...registryRoutes(deps),
    ...taskRoutes(deps),
    ...messageRoutes(deps),
    ...topicRoutes(deps),
    ...memoryRoutes(deps),
    ...mcpRoutes(deps),
    ...auditRoutes(deps),
    ...costRoutes(deps),
    ...projectRoutes(deps),
    ...gitRoutes(deps, hostCredentials),
  ];
}
