import { registryClientFor } from '../../shared/registry/registry-client.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * The audit trail: who changed what, when, from where, and how it ended. Written by the API
 * (every state-changing request of a person or an agent: api/audit/audit-recorder.ts), read
 * by admins and operators (`GET /api/audit`). Two places:
 *
 * - a Redis stream, the recent window (`audit.retention_days`, trimmed by age with MINID),
 *   which `GET /api/audit` pages through newest first;
 * - the registry, batched (`audit/<YYYY-MM-DD>.toml`), for the long term: committed to git
 *   with the rest, never a change request's target and never rolled back.
 *
 * Entries recorded together (concurrent requests) are written to the stream together, one
 * pipeline per turn of the event loop.
 *
 * Nothing writes it but this module, and no route changes or deletes an entry: an agent (or
 * anyone) reaches the trail only through the API, which offers reading alone.
 */
export type AuditOutcome = 'ok' | 'denied' | 'refused' | 'failed';

export interface AuditEntry {
  /** stream id (newest entries have the largest); set when read */
  id?: string;
  at: string;
  /** `user:<name>`, `agent:<id>`, or `anonymous` (a request with no valid token) */
  actor: string;
  role: string;
  /** `POST /api/agents/:id/start`: the method and the route template */
  action: string;
  /** the path acted on, e.g. `/api/agents/pa/start` */
  target: string;
  outcome: AuditOutcome;
  status: number;
  correlationId: string;
  /** the client's address as the API sees it (api.trust_proxy decides whether a proxy's header counts) */
  address: string;
}

export interface AuditFilter {
  actor?: string;
  /** substring of the action, e.g. `/api/agents` or `DELETE` */
  action?: string;
  /** substring of the target */
  target?: string;
  outcome?: AuditOutcome;
  /** ISO times */
  from?: string;
  to?: string;
  limit: number;
  /** the `next` of the previous page: entries older than this id */
  cursor?: string;
}

export interface AuditPage {
  entries: AuditEntry[];
  /** pass as `cursor` for the next (older) page; absent on the last page */
  next?: string;
}

export interface AuditLog {
  record(entry: AuditEntry): Promise<void>;
  list(filter: AuditFilter): Promise<AuditPage>;
}

const FIELD = 'e';
const DAY_MS = 86_400_000;
/** entries read per XREVRANGE while filtering */
const SCAN_CHUNK = 500;

export function createAuditLog(ctx: NoxContext): AuditLog {
  const { redis, keys, config } = ctx;
  const logger = ctx.logger.child({ component: 'audit' });
  const stream = keys.audit();
  const skipped = new Set(config.audit.registry_skip);

  // the entries recorded in one turn of the event loop go to the stream in one pipeline (one
  // round trip), in the order they were recorded; each record() settles with its own XADD
  let pending: { entry: AuditEntry; resolve(): void; reject(err: unknown): void }[] = [];
  const flush = (): void => {
    const batch = pending;
    pending = [];
    const minId = String(Date.now() - config.audit.retention_days * DAY_MS);
    const pipeline = redis.pipeline();
    for (const { entry } of batch) pipeline.xadd(stream, 'MINID', '~', minId, '*', FIELD, JSON.stringify(entry));
    pipeline.exec().then(
      (results) => batch.forEach((p, i) => (results?.[i]?.[0] ? p.reject(results[i]![0]) : p.resolve())),
      (err: unknown) => batch.forEach((p) => p.reject(err)),
    );
  };
  const written = (entry: AuditEntry): Promise<void> =>
    new Promise((resolve, reject) => {
      if (pending.length === 0) setImmediate(flush);
      pending.push({ entry, resolve, reject });
    });

  return {
    async record(entry) {
      await written(entry);
      if (config.audit.registry && !skipped.has(entry.action)) {
        await registryClientFor(ctx)
          .append({ target: 'audit', entry: { ...entry } as Record<string, unknown> })
          .catch((err: unknown) => logger.warn('audit entry not buffered for the registry (it is in the Redis window)', errorFields(err)));
      }
    },

    async list(filter) {
      const entries: AuditEntry[] = [];
      // newest first, from the cursor (exclusive) or the `to` time down to the `from` time
      let end = filter.cursor ? `(${filter.cursor}` : filter.to ? String(Date.parse(filter.to)) : '+';
      const start = filter.from ? String(Date.parse(filter.from)) : '-';
      for (;;) {
        const chunk = await redis.xrevrange(stream, end, start, 'COUNT', SCAN_CHUNK);
        for (const [id, fields] of chunk) {
          const entry = decode(id, fields);
          if (entry && matches(entry, filter)) entries.push(entry);
          if (entries.length === filter.limit) return { entries, next: id };
        }
        if (chunk.length < SCAN_CHUNK) return { entries };
        end = `(${chunk[chunk.length - 1]![0]}`;
      }
    },
  };
}

function decode(id: string, fields: string[]): AuditEntry | undefined {
  const i = fields.indexOf(FIELD);
  if (i < 0 || i + 1 >= fields.length) return undefined;
  try {
    return { ...(JSON.parse(fields[i + 1]!) as AuditEntry), id };
  } catch {
    return undefined;
  }
}

function matches(e: AuditEntry, f: AuditFilter): boolean {
  return (
    (f.actor === undefined || e.actor === f.actor) &&
    (f.action === undefined || e.action.includes(f.action)) &&
    (f.target === undefined || e.target.includes(f.target)) &&
    (f.outcome === undefined || e.outcome === f.outcome)
  );
}
