import { z } from 'zod';
import { ValidationError } from '../../shared/errors/validation-error.js';
import { ID_PATTERN } from '../../shared/ids.js';
import type { ApiDeps } from '../deps.js';
import { grantAgentToken } from '../hosts/agent-token-grant.js';
import { hostActor, hostAuthentication, hostCredentialOf } from '../hosts/host-auth.js';
import type { HostCredentialIssuer } from '../hosts/host-credential-issuer.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

/**
 * The routes a worker host calls with its host credential (docs/HOSTS.md, "Joining a host";
 * workers/host-credential/): join — which host id and labels it runs with — and the token of
 * an agent placed on it. `auth: public` in the route table because a host credential is not
 * a JWT: `hostAuthentication` checks it, after the per-address limit.
 */
const joinBody = z
  .object({
    /** the id the host was told to run with (`NOX_HOST_ID`): must be the credential's, when it names one */
    hostId: z.string().regex(ID_PATTERN).optional(),
    /** the id the host runs with when neither the credential nor `hostId` names one (its hostname's) */
    defaultHostId: z.string().regex(ID_PATTERN).optional(),
  })
  .strict()
  .default({});

const joinAnswer = z.object({
  credentialId: z.string(),
  hostId: z.string(),
  labels: z.record(z.string(), z.string()).optional(),
  expiresAt: z.string().optional(),
});

const agentParams = z.object({ id: z.string().regex(ID_PATTERN) });

export function hostJoinRoutes(deps: ApiDeps, secret: string, issuer: HostCredentialIssuer): RouteSpec[] {
  const { ctx } = deps;
  const hostAuth = hostAuthentication(issuer);
  return [
    defineRoute({
      method: 'post',
      path: '/api/host/join',
      summary: 'A worker host joins with its host credential (Authorization: Bearer noxh_…): the host id and labels it runs with',
      tag: 'hosts',
      auth: 'public',
      before: [hostAuth],
      auditActor: hostActor,
      body: joinBody,
      responses: { 200: { description: 'The host this credential is for', schema: joinAnswer } },
      handler: async ({ body }, _req, res) => {
        const credential = hostCredentialOf(res);
        const hostId = body.hostId ?? credential.hostId ?? body.defaultHostId;
        if (!hostId) throw new ValidationError('This host credential names no host: send hostId or defaultHostId', [{ path: 'body.hostId', message: 'required: the credential names no host', code: 'required' }]);
        const bound = await issuer.bind(credential, hostId);
        return { credentialId: bound.id, hostId, ...(bound.labels ? { labels: bound.labels } : {}), ...(bound.expiresAt ? { expiresAt: bound.expiresAt } : {}) };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/host/agents/:id/token',
      summary: 'A worker host gets the token of an agent placed on it (Authorization: Bearer noxh_…)',
      tag: 'hosts',
      auth: 'public',
      before: [hostAuth],
      auditActor: hostActor,
      params: agentParams,
      responses: { 200: { description: 'The agent’s token, minted for this host', schema: z.object({ token: z.string(), expiresAt: z.string() }) } },
      handler: async ({ params }, _req, res) => grantAgentToken(ctx, secret, hostCredentialOf(res), params.id),
    }),
  ];
}
