import { z } from 'zod';
import { workerSection } from '../../shared/config/sections.js';
import { credentialState, HOST_CREDENTIAL_ID_PATTERN, type HostCredentialRecord } from '../../shared/hosts/host-credential.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { TTL_PATTERN, type HostCredentialIssuer } from '../hosts/host-credential-issuer.js';
import { ADMINS } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';

/**
 * Host credentials, for admins (docs/HOSTS.md, "Joining a host"): mint one for a host on
 * another machine (`nox host token`), list them, revoke one (`nox host revoke`). The
 * credential's text is in the mint's answer only; nothing can show it again.
 */
export const hostLabels = workerSection.shape.labels.removeDefault();

const mintBody = z
  .object({
    /** the only host id that may join with it; default: the first host that joins keeps it */
    hostId: z.string().regex(ID_PATTERN).optional(),
    /** the host's placement labels; default: the host's own `worker.labels` */
    labels: hostLabels.optional(),
    /** `30m`, `12h`, `90d`; default: until revoked */
    ttl: z.string().regex(TTL_PATTERN, 'must look like 30m, 12h or 90d').optional(),
  })
  .strict()
  .default({});

const credentialView = z.object({
  id: z.string(),
  state: z.enum(['active', 'revoked', 'expired']),
  hostId: z.string().optional(),
  labels: z.record(z.string(), z.string()).optional(),
  createdAt: z.string(),
  createdBy: z.string(),
  expiresAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
  revokedAt: z.string().optional(),
  revokedBy: z.string().optional(),
});

const idParams = z.object({ id: z.string().regex(HOST_CREDENTIAL_ID_PATTERN, 'must be a host credential id (16 hex characters)') });

/** What an admin sees of a credential: never its secret's hash nor its seal. */
export function credentialViewOf(rec: HostCredentialRecord): z.infer<typeof credentialView> {
  const { secretHash: _hash, seal: _seal, ...shown } = rec;
  return { ...shown, state: credentialState(rec) };
}

export function hostTokenRoutes(issuer: HostCredentialIssuer): RouteSpec[] {
  return [
    defineRoute({
      method: 'post',
      path: '/api/system/host-tokens',
      summary: 'Mint a host credential: a worker host on another machine joins with it and REDIS_URL alone',
      tag: 'system',
      auth: ADMINS,
      body: mintBody,
      status: 201,
      responses: { 201: { description: 'The credential (its text is shown this once) and its record', schema: credentialView.extend({ credential: z.string() }) } },
      handler: async ({ body, principal }) => {
        const { credential, record } = await issuer.mint({ ...body, by: requester(principal) });
        return { credential, ...credentialViewOf(record) };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/system/host-tokens',
      summary: 'Every host credential not yet expired (revoked ones included), newest first',
      tag: 'system',
      auth: ADMINS,
      responses: { 200: { description: 'Credentials, without their secrets', schema: z.object({ items: z.array(credentialView) }) } },
      handler: async () => ({ items: (await issuer.list()).map(credentialViewOf) }),
    }),
    defineRoute({
      method: 'delete',
      path: '/api/system/host-tokens/:id',
      summary: 'Revoke a host credential: its host stops taking work and the agent tokens minted for it are refused',
      tag: 'system',
      auth: ADMINS,
      params: idParams,
      responses: { 200: { description: 'The revoked credential; `changed` is false when it was revoked already', schema: credentialView.extend({ changed: z.boolean() }) } },
      handler: async ({ params, principal }) => {
        const { record, changed } = await issuer.revoke(params.id, requester(principal));
        return { ...credentialViewOf(record), changed };
      },
    }),
  ];
}
