import { z } from 'zod';
import { newApprovalRequest } from '../approvals/approval-request.js';
import type { Approvals } from '../approvals/approvals.js';
import { classifyRequest } from '../approvals/risk.js';
import { McpInstallNotFoundError, McpServiceExistsError } from '../errors/mcp-errors.js';
import { ValidationError } from '../errors/validation-error.js';
import type { NoxContext } from '../runtime/context.js';
import { catalogEntrySchema, isAgentAllowed, type CatalogEntry } from './catalog.js';
import type { McpCatalogStore } from './catalog-store.js';
import { assertMountsAllowed, mountPolicyFor } from './mount-policy.js';
import { SERVICE_NAME_PATTERN } from './run-spec.js';

/**
 * An install request: what a person asked to install, kept in Redis under its approval id
 * (`mcpInstall(approvalId)`) until it is settled. Installing is an approval of request type
 * `install_mcp`; once it is approved the `mcp` queue's `mcp.install` job fetches the image
 * (imports the named tar or pulls), checks it and records the entry in the catalog.
 *
 * Status: `pending` (waiting for the decision) → `installing` → `installed`, or `denied`
 * (the approval was denied or timed out), or `failed` (the image could not be fetched or
 * failed its checks; `error` says why). Open requests (pending, installing) are in
 * `mcpInstallsOpen()` so the install watcher can pick up a decision it missed.
 */
export const INSTALL_STATUSES = ['pending', 'installing', 'installed', 'denied', 'failed'] as const;
export type InstallStatus = (typeof INSTALL_STATUSES)[number];

export const installSourceSchema = z.union([
  z.object({ tar: z.string().startsWith('/', 'an absolute path on the host that installs').max(4096), changes: z.array(z.string().max(500)).max(50).optional() }).strict(),
  z.object({ pull: z.literal(true) }).strict(),
  /** the image is already on the engine (uploaded through POST /api/mcp/images, or loaded by hand): only checked */
  z.object({ present: z.literal(true) }).strict(),
]);

export const installRequestInputSchema = z
  .object({
    name: z.string().regex(SERVICE_NAME_PATTERN, `must match ${SERVICE_NAME_PATTERN.source}`),
    entry: catalogEntrySchema,
    /** a tar on the installing host (`docker save` archive or root filesystem), pull from the image's registry, or an image already on the engine */
    source: installSourceSchema,
    /** replace a service the catalog already has (else 409 `ERROR_CODE.mcpServiceExists`) */
    replace: z.boolean().default(false),
  })
  .strict();
export type InstallRequestInput = z.input<typeof installRequestInputSchema>;

export const installRecordSchema = z
  .object({
    approval_id: z.string(),
    name: z.string(),
    entry: z.record(z.string(), z.unknown()),
    source: installSourceSchema,
    requested_by: z.string(),
    status: z.enum(INSTALL_STATUSES),
    created_at: z.string(),
    updated_at: z.string(),
    error: z.string().optional(),
    warnings: z.array(z.string()).optional(),
    commit: z.string().nullable().optional(),
  })
  .strict();
export type InstallRecord = z.infer<typeof installRecordSchema>;

export interface InstallStore {
  get(approvalId: string): Promise<InstallRecord | undefined>;
  require(approvalId: string): Promise<InstallRecord>;
  /** creates it unless it exists; true when created */
  create(record: InstallRecord): Promise<boolean>;
  update(approvalId: string, patch: Partial<Pick<InstallRecord, 'status' | 'error' | 'warnings' | 'commit'>>): Promise<InstallRecord>;
  /** approval ids of open requests, oldest first */
  open(limit?: number): Promise<string[]>;
}

/** Settled records stay readable this long (the registry keeps the catalog and the approval history). */
const SETTLED_TTL_S = 7 * 24 * 3600;

export function createInstallStore(ctx: NoxContext): InstallStore {
  const { redis, keys } = ctx;
  const get = async (id: string): Promise<InstallRecord | undefined> => {
    const raw = await redis.get(keys.mcpInstall(id));
    return raw ? installRecordSchema.parse(JSON.parse(raw)) : undefined;
  };
  return {
    get,
    async require(id) {
      const found = await get(id);
      if (!found) throw new McpInstallNotFoundError(id);
      return found;
    },
    async create(record) {
      const ok = await redis.set(keys.mcpInstall(record.approval_id), JSON.stringify(record), 'NX');
      if (ok) await redis.zadd(keys.mcpInstallsOpen(), Date.parse(record.created_at), record.approval_id);
      return ok === 'OK';
    },
    async update(id, patch) {
      const current = await get(id);
      if (!current) throw new McpInstallNotFoundError(id);
      const next = installRecordSchema.parse({ ...current, ...patch, updated_at: new Date().toISOString() });
      const settled = next.status !== 'pending' && next.status !== 'installing';
      const tx = redis.multi();
      if (settled) tx.set(keys.mcpInstall(id), JSON.stringify(next), 'EX', SETTLED_TTL_S).zrem(keys.mcpInstallsOpen(), id);
      else tx.set(keys.mcpInstall(id), JSON.stringify(next));
      await tx.exec();
      return next;
    },
    async open(limit = 200) {
      return redis.zrange(keys.mcpInstallsOpen(), 0, limit - 1);
    },
  };
}

/** An install's catalog entry as its approval shows it (JSON-safe: no undefined). */
function installShown(entry: CatalogEntry): Record<string, unknown> {
  return JSON.parse(
    JSON.stringify({
      image: entry.image,
      entrypoint: entry.entrypoint ?? null,
      command: entry.command ?? null,
      user: entry.user ?? null,
      workdir: entry.workdir ?? null,
      mounts: entry.mounts,
      read_only_root: entry.read_only_root,
      network: entry.network,
      env: entry.env,
      limits: entry.limits,
      agents: entry.agents,
      enabled: Object.keys(entry.enabled),
    }),
  ) as Record<string, unknown>;
}

/**
 * A person's install request: validated, stored, and sent to the approvals workflow as an
 * `install_mcp` approval (high risk by the rules, so a person decides unless a policy rule
 * says otherwise). Returns the record; its `approval_id` is the approval to decide.
 */
export async function requestInstall(
  ctx: NoxContext,
  deps: { approvals: Approvals; catalog: McpCatalogStore; installs: InstallStore },
  input: InstallRequestInput,
  requestedBy: string,
  correlationId: string,
): Promise<InstallRecord> {
  const parsed = installRequestInputSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: ['body', ...i.path.map(String)].join('.'), message: i.message, code: i.code }));
    throw new ValidationError(`invalid install request: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
  }
  const { name, entry, source, replace } = parsed.data;
  if (!replace && deps.catalog.read().catalog.services[name]) throw new McpServiceExistsError(name);
  const notAllowed = Object.keys(entry.enabled).filter((agent) => !isAgentAllowed(entry, agent));
  if (notAllowed.length > 0) {
    throw new ValidationError(`enabled names agents the service does not allow: ${notAllowed.join(', ')}`, notAllowed.map((a) => ({ path: `body.entry.enabled.${a}`, message: 'not in entry.agents', code: 'custom' })));
  }

  // Refused before anyone is asked: a person must never be shown a docker.sock mount to approve.
  assertMountsAllowed(entry.mounts, mountPolicyFor(ctx.config));

  const risk = classifyRequest('install_mcp');
  const from = 'tar' in source ? `from ${source.tar}` : 'pull' in source ? 'pulled from its registry' : 'already on the engine (uploaded)';
  const who = entry.agents.includes('*') ? 'every agent' : `agents ${entry.agents.join(', ')}`;
  const network = entry.network === 'none' ? 'no network' : `internal network ${entry.network.internal}`;
  const runs = [...(entry.entrypoint ?? []), ...(entry.command ?? [])].join(' ') || 'the image’s own command';
  const mounts = entry.mounts.length === 0 ? 'no mounts' : `mounts ${entry.mounts.map((m) => `${m.source} → ${m.target} (${m.read_only ? 'read-only' : 'read-write'})`).join(', ')}`;
  const approval = newApprovalRequest({
    // The approval is about the agents that may use it; with "*" there is no one agent, so
    // the system stands in (an id no agent can take: agent ids are created by people).
    agent_id: entry.agents.find((a) => a !== '*') ?? 'system',
    request_type: 'install_mcp',
    description: `Install MCP service ${name}: image ${entry.image} (${from}) for ${who}, runs ${runs} as user ${entry.user ?? 'of the image'}, ${mounts}, ${network}`.slice(0, 2000),
    risk_level: risk.level,
    requested_by: requestedBy,
    correlation_id: correlationId,
    // All the entry grants: what runs, as whom, with which host folders, env (secrets by name only) and network.
    details: { input: { service: name, ...installShown(entry), source, replace }, risk_reasons: risk.reasons },
  });
  const now = new Date().toISOString();
  const record: InstallRecord = {
    approval_id: approval.id,
    name,
    entry: JSON.parse(JSON.stringify(entry)) as Record<string, unknown>,
    source,
    requested_by: requestedBy,
    status: 'pending',
    created_at: now,
    updated_at: now,
  };
  // The record first: when the decision comes, the job must find what to install.
  await deps.installs.create(record);
  await deps.approvals.submit(approval, correlationId);
  return record;
}
