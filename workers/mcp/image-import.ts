import { Readable } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { UnrecoverableError, type Job } from 'bullmq';
import { isNoxError } from '../../shared/errors/nox-error.js';
import type { Engine } from '../../shared/mcp/engine.js';
import { inspectImage, loadImageStream, tagImage } from '../../shared/mcp/images.js';
import { importJobSchema, MCP_EVENT } from '../../shared/mcp/mcp-jobs.js';
import { UPLOAD_TOKEN_HEADER, type UploadStore } from '../../shared/mcp/uploads.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { HandlerEnv } from '../job-router.js';

/**
 * `mcp.import` (shared/mcp/mcp-jobs.ts): load an image archive a person uploaded to the API
 * into this host's engine. The archive is streamed from the API (its single-use token in
 * `x-nox-upload-token`) straight into the engine's image load — nothing is written to
 * this host's disk — then tagged with the ref asked for, if any.
 *
 * Idempotent: a settled upload is left alone; a second delivery of an unsettled one finds
 * its token spent and fails it (the file is gone with the token: upload again).
 */

export function importHandler(deps: { ctx: NoxContext; engine: () => Engine | undefined; uploads: UploadStore }) {
  const { ctx, uploads } = deps;
  return async (job: Job, env: HandlerEnv): Promise<unknown> => {
    const parsed = importJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`bad ${job.name} job: ${parsed.error.message}`);
    const { uploadId, url, token, ref } = parsed.data;
    const record = await uploads.get(uploadId);
    if (!record) return { skipped: 'no such upload (expired)' };
    if (record.status === 'imported' || record.status === 'failed') return { status: record.status, already: true };
    await uploads.update(uploadId, { status: 'importing' });
    try {
      const engine = deps.engine();
      if (!engine) throw new Error('no container engine on this host');
      const res = await fetch(url, { headers: { [UPLOAD_TOKEN_HEADER]: token } });
      if (!res.ok || !res.body) {
        const problem = (await res.json().catch(() => ({}))) as { code?: string; detail?: string };
        throw new Error(`could not fetch the upload from the API: ${res.status} ${problem.code ?? ''} ${problem.detail ?? ''}`.trim());
      }
      const loaded = await loadImageStream(engine, Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), `upload ${uploadId}`);
      if (ref) await tagImage(engine, loaded[0] as string, ref);
      const image = await inspectImage(engine, ref ?? (loaded[0] as string));
      const images = [...new Set([...(ref ? [ref] : []), ...image.tags, ...loaded.filter((l) => !/^(sha256:)?[0-9a-f]{12,64}$/.test(l))])];
      await uploads.update(uploadId, { status: 'imported', images });
      await ctx.events.publish({ type: MCP_EVENT.imageImported, data: { uploadId, images, imageId: image.id, sizeBytes: image.sizeBytes } });
      env.logger.info('MCP image imported from an upload', { uploadId, images });
      return { status: 'imported', images };
    } catch (err) {
      const message = isNoxError(err) ? `${err.code}: ${err.message}` : err instanceof Error ? err.message : String(err);
      await uploads.update(uploadId, { status: 'failed', error: message });
      await ctx.events.publish({ type: MCP_EVENT.imageImportFailed, data: { uploadId, message } });
      // not retried: the token is spent and the file gone
      throw new UnrecoverableError(message);
    }
  };
}
