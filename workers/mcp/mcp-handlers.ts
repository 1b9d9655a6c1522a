import { UnrecoverableError, type Job } from 'bullmq';
import { z } from 'zod';
import type { Approvals } from '../../shared/approvals/approvals.js';
import { isNoxError } from '../../shared/errors/nox-error.js';
import type { McpCatalogStore } from '../../shared/mcp/catalog-store.js';
import { listManagedContainers, stopAndRemove } from './engine/containers.js';
import type { Engine } from '../../shared/mcp/engine.js';
import { installImage } from './engine/install.js';
import type { InstallStore } from '../../shared/mcp/install-requests.js';
import type { UploadStore } from '../../shared/mcp/uploads.js';
import { importHandler } from './image-import.js';
import { installJobSchema, MCP_EVENT, MCP_JOB, removeJobSchema } from '../../shared/mcp/mcp-jobs.js';
import { actorSchema } from '../../shared/registry/changes.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { HandlerEnv, JobHandlers } from '../job-router.js';

/**
 * Handlers of the shared `mcp` queue (jobs in shared/mcp/mcp-jobs.ts). Registered only on
 * hosts that have a container engine: the image must land on the engine the sessions use.
 */
export interface McpHandlerDeps {
  ctx: NoxContext;
  engine: () => Engine | undefined;
  catalog: McpCatalogStore;
  installs: InstallStore;
  approvals: Approvals;
  uploads: UploadStore;
}

function parse<S extends z.ZodType>(schema: S, job: Job): z.output<S> {
  const r = schema.safeParse(job.data);
  // A malformed job never succeeds: do not retry it.
  if (!r.success) throw new UnrecoverableError(`bad ${job.name} job: ${z.prettifyError(r.error)}`);
  return r.data;
}

/** Catalog commits are authored by the person who asked (an actor the registry accepts). */
function actorOf(who: string): 'system' | `user:${string}` | `agent:${string}` {
  return actorSchema.safeParse(who).success ? (who as 'system') : 'system';
}

export function mcpQueueHandlers(deps: McpHandlerDeps): JobHandlers {
  const { ctx, catalog, installs, approvals } = deps;
  const needEngine = (): Engine => {
    const engine = deps.engine();
    // Retried: another host (or this one once its engine answers) takes it.
    if (!engine) throw new Error('no container engine on this host');
    return engine;
  };

  const install = async (job: Job, env: HandlerEnv): Promise<unknown> => {
    const { approvalId } = parse(installJobSchema, job);
    const record = await installs.get(approvalId);
    if (!record) return { skipped: 'no such install request' };
    if (record.status === 'installed' || record.status === 'denied' || record.status === 'failed') return { status: record.status, already: true };
    const approval = await approvals.store.get(approvalId);
    if (!approval) {
      // trimmed from Redis before anyone acted on it: nothing says it was approved
      await installs.update(approvalId, { status: 'failed', error: `approval ${approvalId} is no longer known` });
      return { status: 'failed' };
    }
    if (approval.status === 'pending') return { status: 'pending' }; // the watcher enqueues it again once decided
    if (approval.status === 'denied') {
      await installs.update(approvalId, { status: 'denied', error: `approval denied by ${approval.decided_by ?? 'unknown'}: ${approval.reason ?? ''}` });
      await ctx.events.publish({ type: MCP_EVENT.installDenied, data: { approvalId, service: record.name, decidedBy: approval.decided_by } });
      return { status: 'denied' };
    }
    await installs.update(approvalId, { status: 'installing' });
    const image = String(record.entry.image);
    try {
      const { warnings } = await installImage(needEngine(), { ref: image, source: record.source });
      const commit = await catalog.put(record.name, record.entry as never, actorOf(record.requested_by), `mcp-install-${approvalId}`);
      await installs.update(approvalId, { status: 'installed', warnings, commit: commit.sha });
      await ctx.events.publish({ type: MCP_EVENT.installed, data: { approvalId, service: record.name, image, warnings, approvedBy: approval.decided_by } });
      env.logger.info('MCP service installed', { service: record.name, image, approvalId, warnings });
      return { status: 'installed', service: record.name, sha: commit.sha, warnings };
    } catch (err) {
      // A refused image or tar (4xx) will be refused again: settle now. Anything else
      // (engine or registry writer down) is retried, and settled as failed on the last try.
      const refused = isNoxError(err) && err.status >= 400 && err.status < 500;
      if (refused || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
        const message = isNoxError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
        await installs.update(approvalId, { status: 'failed', error: message });
        await ctx.events.publish({ type: MCP_EVENT.installFailed, data: { approvalId, service: record.name, message } });
      }
      if (refused) throw new UnrecoverableError((err as Error).message);
      throw err;
    }
  };

  const remove = async (job: Job, env: HandlerEnv): Promise<unknown> => {
    const data = parse(removeJobSchema, job);
    // The record first: no new session gets the service while its containers are stopped.
    const commit = await catalog.remove(data.service, actorOf(data.requestedBy), `mcp-remove-${data.service}-${data.requestId}`);
    const engine = needEngine();
    const containers = await listManagedContainers(engine, { service: data.service });
    for (const c of containers) await stopAndRemove(engine, c.id, { graceSeconds: ctx.config.mcp.stop_timeout_s });
    await ctx.events.publish({ type: MCP_EVENT.removed, data: { service: data.service, containersRemoved: containers.length, requestedBy: data.requestedBy } });
    env.logger.info('MCP service removed', { service: data.service, containers: containers.length });
    return { service: data.service, sha: commit.sha, containersRemoved: containers.length };
  };

  return { [MCP_JOB.install]: install, [MCP_JOB.remove]: remove, [MCP_JOB.import]: importHandler({ ctx, engine: deps.engine, uploads: deps.uploads }) };
}
