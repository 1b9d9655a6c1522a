import { randomUUID } from 'node:crypto';
import { rm, stat } from 'node:fs/promises';
import type { Request } from 'express';
import { z } from 'zod';
import { McpUploadInvalidError, McpUploadNotFoundError, McpUploadTokenError, McpUploadTooLargeError } from '../../shared/errors/mcp-upload-errors.js';
import { errorFields } from '../../shared/logger.js';
import { enqueueImport, MCP_EVENT } from '../../shared/mcp/mcp-jobs.js';
import { createUploadStore, newUploadId, UPLOAD_TOKEN_HEADER, UPLOAD_ID_PATTERN, uploadRecordSchema, type UploadRecord } from '../../shared/mcp/uploads.js';
import type { ApiDeps } from '../deps.js';
import { OPERATORS, PEOPLE } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { openUpload, saveUpload, sweepUploads, uploadDir, uploadFile } from './upload-files.js';

/**
 * Uploading an MCP service image through the API (issue 20; docs/MCP.md, "Uploading an
 * image"). The API host needs no container engine: it keeps the checked archive in
 * `mcp.upload_dir` and queues `mcp.import` on the shared `mcp` queue, which only hosts
 * with an engine consume; that host fetches the file from the archive route below with a
 * single-use token (header `x-nox-upload-token`), loads it, and the file is deleted once
 * fetched (or when it expires unfetched).
 *
 * Operators and admins upload (as they install); people read the uploads; agents have no
 * access. The archive route takes no login, only the job's token.
 */
/** as a catalog entry's image: `repo[:tag]`, with an optional registry host and port */
const IMAGE_REF = /^[a-z0-9][a-z0-9._/-]{0,254}(:[0-9]{1,5}\/[a-z0-9._/-]{1,200})?(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

const uploadQuery = z.object({ ref: z.string().regex(IMAGE_REF, 'an image reference such as localhost/my-tools:1').max(300).optional() }).strict();
const uploadParams = z.object({ id: z.string().regex(UPLOAD_ID_PATTERN) }).strict();

export function imageRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const { config } = ctx;
  const uploads = createUploadStore(ctx);
  const dir = uploadDir(config);
  const limit = { mb: config.mcp.upload_max_mb, bytes: config.mcp.upload_max_mb * 1024 * 1024 };
  const logger = ctx.logger.child({ component: 'mcp-uploads' });
  const sweep = (): void =>
    void sweepUploads(dir, config.mcp.upload_ttl_ms).catch((err: unknown) => logger.warn('could not sweep expired uploads', { dir, ...errorFields(err) }));
  sweep(); // what an earlier run left

  /** The importing host reaches the API here; never from the request's Host header (a client could point the token elsewhere). */
  const fetchBase = (req: Request): string => (config.mcp.upload_fetch_url ?? config.agent.api_url ?? `http://127.0.0.1:${req.socket.localPort}`).replace(/\/$/, '');

  return [
    defineRoute({
      method: 'post',
      path: '/api/mcp/images',
      summary:
        'Upload an image archive (`docker save` / `podman save` tar, body as application/x-tar): checked as it streams (a bad tar is a 400 that names why, 413 over mcp.upload_max_mb, 507 when the disk is full), then imported by a host with a container engine through the mcp queue; follow it at GET /api/mcp/images/uploads/:id or the mcp.image.* events',
      tag: 'mcp',
      auth: OPERATORS,
      query: uploadQuery,
      status: 202,
      responses: { 202: { description: 'the upload, queued for import', schema: uploadRecordSchema } },
      handler: async ({ query, principal, correlationId }, req, res) => {
        if (req.is('application/json') || req.is('multipart/*')) throw new McpUploadInvalidError('send the archive itself as the body (Content-Type application/x-tar), not JSON or a form');
        const declared = Number(req.headers['content-length'] ?? NaN);
        // refused before a byte is read; the connection closes so the client stops sending
        if (declared > limit.bytes) {
          res.set('Connection', 'close');
          throw new McpUploadTooLargeError(limit.mb);
        }
        sweep();
        const id = newUploadId();
        const file = uploadFile(dir, id);
        let size: number;
        try {
          size = (await saveUpload(req, file, limit)).bytes;
        } catch (err) {
          if (!req.complete) res.set('Connection', 'close');
          throw err;
        }
        const now = Date.now();
        const ttl = config.mcp.upload_ttl_ms;
        const by = requester(principal);
        const record: UploadRecord = {
          id,
          ...(query.ref ? { ref: query.ref } : {}),
          size_bytes: size,
          status: 'uploaded',
          uploaded_by: by,
          created_at: new Date(now).toISOString(),
          updated_at: new Date(now).toISOString(),
          expires_at: new Date(now + ttl).toISOString(),
        };
        try {
          await uploads.create(record);
          const token = await uploads.issueToken(id, ttl);
          const jobId = await enqueueImport(ctx, {
            uploadId: id,
            url: `${fetchBase(req)}/api/mcp/images/uploads/${id}/archive`,
            token,
            ...(query.ref ? { ref: query.ref } : {}),
            correlationId: correlationId ?? randomUUID(),
          });
          const queued = await uploads.update(id, { job_id: jobId });
          await ctx.events.publish({ type: MCP_EVENT.imageUploaded, data: { uploadId: id, sizeBytes: size, ref: query.ref, uploadedBy: by } });
          return queued;
        } catch (err) {
          await rm(file, { force: true });
          throw err;
        }
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/mcp/images/uploads',
      summary: 'Recent image uploads (a day), newest first, with their import status',
      tag: 'mcp',
      auth: PEOPLE,
      responses: { 200: { description: 'uploads', schema: z.object({ uploads: z.array(uploadRecordSchema) }) } },
      handler: async () => ({ uploads: await uploads.recent(20) }),
    }),
    defineRoute({
      method: 'get',
      path: '/api/mcp/images/uploads/:id',
      summary: 'One image upload: uploaded, importing, imported (the images loaded) or failed (why)',
      tag: 'mcp',
      auth: PEOPLE,
      params: uploadParams,
      responses: { 200: { description: 'the upload', schema: uploadRecordSchema } },
      handler: async ({ params }) => uploads.require(params.id),
    }),
    defineRoute({
      method: 'get',
      path: '/api/mcp/images/uploads/:id/archive',
      summary: 'The uploaded archive, for the host that imports it: needs the import job’s single-use token in x-nox-upload-token (403 otherwise); the file is deleted once sent',
      tag: 'mcp',
      auth: 'public',
      params: uploadParams,
      responses: { 200: { description: 'application/x-tar' } },
      handler: async ({ params }, req, res) => {
        const token = req.get(UPLOAD_TOKEN_HEADER) ?? '';
        const owner = await uploads.consumeToken(token);
        if (owner !== params.id) throw new McpUploadTokenError();
        const file = uploadFile(dir, params.id);
        const st = await stat(file).catch(() => undefined);
        if (!st) throw new McpUploadNotFoundError(params.id);
        res.status(200).set({ 'content-type': 'application/x-tar', 'content-length': String(st.size), 'cache-control': 'no-store' });
        await new Promise<void>((resolve) => {
          const stream = openUpload(file);
          // sent or not, the token is spent: the file is of no further use
          res.on('close', () => {
            stream.destroy();
            void rm(file, { force: true }).finally(resolve);
          });
          stream.on('error', (err) => {
            logger.warn('could not send an upload', { uploadId: params.id, ...errorFields(err) });
            res.destroy(err);
          });
          stream.pipe(res);
        });
        return undefined;
      },
    }),
  ];
}
