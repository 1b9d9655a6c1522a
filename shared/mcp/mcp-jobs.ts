import { z } from 'zod';
import type { SharedQueueName } from '../keys.js';
import { PRIORITY } from '../queues/priority.js';
import type { NoxContext } from '../runtime/context.js';
import { SERVICE_NAME_PATTERN } from './run-spec.js';

/**
 * Jobs of the shared `mcp` queue (any host with a container engine consumes it):
 *
 * - `mcp.install {approvalId}` (jobId `install-<approvalId>`, priority normal): once the
 *   install_mcp approval is decided — approved: fetch and check the image, record the
 *   service in the catalog; denied: mark the request denied. Enqueued by the install
 *   watcher when it sees the decision (event or sweep); a pending approval makes it a no-op.
 * - `mcp.remove {service}` (jobId `remove-<service>-<request id>`, priority high: running
 *   containers of a service people want gone should stop soon): delete the catalog entry,
 *   then stop and remove the service's containers.
 * - `mcp.import {uploadId, url, token, ref?}` (jobId `import-<uploadId>`): fetch an image
 *   archive a person uploaded to the API (shared/mcp/uploads.ts) with its single-use token
 *   and load it into this host's engine. A second delivery finds the upload settled, or
 *   its token used (the upload then fails: upload it again).
 *
 * Both are idempotent (BullMQ delivers at least once): the catalog writes carry fixed
 * change ids, and a second run finds the work done.
 */
export const MCP_QUEUE: SharedQueueName = 'mcp';

export const MCP_JOB = {
  install: 'mcp.install',
  remove: 'mcp.remove',
  import: 'mcp.import',
} as const;

/** The MCP area's event types: catalog changes, install decisions, containers reaped. */
export const MCP_EVENT = {
  installed: 'mcp.service.installed',
  installDenied: 'mcp.install.denied',
  installFailed: 'mcp.install.failed',
  removed: 'mcp.service.removed',
  containerRemoved: 'mcp.container.removed',
  imageUploaded: 'mcp.image.uploaded',
  imageImported: 'mcp.image.imported',
  imageImportFailed: 'mcp.image.import-failed',
} as const;

export const installJobSchema = z.object({ approvalId: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/), correlationId: z.string().max(200).optional() }).strict();
export type InstallJob = z.infer<typeof installJobSchema>;

export const removeJobSchema = z
  .object({
    service: z.string().regex(SERVICE_NAME_PATTERN),
    requestId: z.string().regex(/^[A-Za-z0-9_.-]{1,80}$/),
    requestedBy: z.string().regex(/^(system|user:[A-Za-z0-9_.@-]{1,64}|agent:[a-z0-9][a-z0-9-]{0,62})$/),
    correlationId: z.string().max(200).optional(),
  })
  .strict();
export type RemoveJob = z.infer<typeof removeJobSchema>;

export async function enqueueInstall(ctx: NoxContext, approvalId: string, correlationId?: string): Promise<void> {
  const data: InstallJob = { approvalId, ...(correlationId ? { correlationId } : {}) };
  // Completed jobs are dropped so a later sweep may enqueue the same id again (a no-op then).
  await ctx.queue(MCP_QUEUE).add(MCP_JOB.install, data, { jobId: `install-${approvalId}`, priority: PRIORITY.normal, attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: 100 });
}

export async function enqueueRemove(ctx: NoxContext, job: RemoveJob): Promise<string> {
  const jobId = `remove-${job.service}-${job.requestId}`;
  await ctx.queue(MCP_QUEUE).add(MCP_JOB.remove, removeJobSchema.parse(job), { jobId, priority: PRIORITY.high, attempts: 5, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: 100, removeOnFail: 100 });
  return jobId;
}

export const importJobSchema = z
  .object({
    uploadId: z.string().regex(/^up-[0-9a-f]{24}$/),
    /** where the archive is fetched from (the API), with `token` as a bearer */
    url: z.string().url(),
    token: z.string().regex(/^[A-Za-z0-9_-]{43}$/),
    ref: z.string().max(300).optional(),
    correlationId: z.string().max(200).optional(),
  })
  .strict();
export type ImportJob = z.infer<typeof importJobSchema>;

export async function enqueueImport(ctx: NoxContext, job: ImportJob): Promise<string> {
  const jobId = `import-${job.uploadId}`;
  // One attempt: the token is single-use, so a retry could not fetch the file anyway.
  await ctx.queue(MCP_QUEUE).add(MCP_JOB.import, importJobSchema.parse(job), { jobId, priority: PRIORITY.normal, attempts: 1, removeOnComplete: 100, removeOnFail: 100 });
  return jobId;
}
