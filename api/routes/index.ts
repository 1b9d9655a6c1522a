import type { ApiDeps } from '../deps.js';
import type { RouteSpec } from '../http/route.js';
import type { UserDirectory } from '../users.js';
import { agentRoutes } from './agent-routes.js';
import { authRoutes } from './auth-routes.js';
import { systemRoutes } from './system-routes.js';

/**
 * Every route module of the API, in one list. A new area (agents, tasks, registry, ...)
 * adds its module here; the OpenAPI document is built from the same list.
 */
export function allRoutes(deps: ApiDeps, users: UserDirectory, secret: string): RouteSpec[] {
  return [...authRoutes(deps, users, secret), ...systemRoutes(deps), ...agentRoutes(deps)];
}
