import { createHash, randomBytes } from 'node:crypto';
import { z } from 'zod';
import { McpUploadNotFoundError } from '../errors/mcp-upload-errors.js';
import type { NoxContext } from '../runtime/context.js';

/**
 * Image uploads (issue 20; docs/MCP.md, "Uploading an image"): a person streams an image
 * archive to the API (POST /api/mcp/images), which keeps the file in `mcp.upload_dir` and
 * queues `mcp.import`; a host with a container engine fetches the file from the API with a
 * single-use token and loads it into its engine. The record here (Redis, by upload id)
 * follows it: `uploaded` → `importing` → `imported` (the images the engine loaded), or
 * `failed` (why). Both the API and the importing host write it, hence shared/.
 */
export const UPLOAD_STATUSES = ['uploaded', 'importing', 'imported', 'failed'] as const;
export type UploadStatus = (typeof UPLOAD_STATUSES)[number];

/** the header that carries an `mcp.import` job's single-use download token to the API */
export const UPLOAD_TOKEN_HEADER = 'x-nox-upload-token';

export const UPLOAD_ID_PATTERN = /^up-[0-9a-f]{24}$/;

export const uploadRecordSchema = z
  .object({
    id: z.string().regex(UPLOAD_ID_PATTERN),
    /** the tag asked for (the archive's own tags are kept too) */
    ref: z.string().optional(),
    size_bytes: z.number().int().nonnegative(),
    status: z.enum(UPLOAD_STATUSES),
    uploaded_by: z.string(),
    created_at: z.string(),
    updated_at: z.string(),
    /** the file and its download token are gone after this */
    expires_at: z.string(),
    job_id: z.string().optional(),
    /** what the engine loaded (refs, or the image id when the archive has no tag) */
    images: z.array(z.string()).optional(),
    error: z.string().optional(),
  })
  .strict();
export type UploadRecord = z.infer<typeof uploadRecordSchema>;

export interface UploadStore {
  get(id: string): Promise<UploadRecord | undefined>;
  require(id: string): Promise<UploadRecord>;
  create(record: UploadRecord): Promise<void>;
  update(id: string, patch: Partial<Pick<UploadRecord, 'status' | 'error' | 'images' | 'job_id'>>): Promise<UploadRecord>;
  /** newest first */
  recent(limit?: number): Promise<UploadRecord[]>;
  /** a fresh single-use download token for the upload, valid for `ttlMs` */
  issueToken(id: string, ttlMs: number): Promise<string>;
  /** the upload id the token was issued for, once: a second use (or an expired token) gives undefined */
  consumeToken(token: string): Promise<string | undefined>;
}

/** Records stay readable a day (the page shows recent uploads); the files go much sooner. */
const RECORD_TTL_S = 24 * 3600;

export function newUploadId(): string {
  return `up-${randomBytes(12).toString('hex')}`;
}

/** Tokens are stored by hash: a Redis dump does not hand out downloads. */
function tokenKey(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 48);
}

export function createUploadStore(ctx: NoxContext): UploadStore {
  const { redis, keys } = ctx;
  const get = async (id: string): Promise<UploadRecord | undefined> => {
    if (!UPLOAD_ID_PATTERN.test(id)) return undefined;
    const raw = await redis.get(keys.mcpUpload(id));
    return raw ? uploadRecordSchema.parse(JSON.parse(raw)) : undefined;
  };
  return {
    get,
    async require(id) {
      const found = await get(id);
      if (!found) throw new McpUploadNotFoundError(id);
      return found;
    },
    async create(record) {
      const at = Date.parse(record.created_at);
      await redis
        .multi()
        .set(keys.mcpUpload(record.id), JSON.stringify(uploadRecordSchema.parse(record)), 'EX', RECORD_TTL_S)
        .zadd(keys.mcpUploads(), at, record.id)
        .zremrangebyscore(keys.mcpUploads(), '-inf', at - RECORD_TTL_S * 1000)
        .exec();
    },
    async update(id, patch) {
      const current = await get(id);
      if (!current) throw new McpUploadNotFoundError(id);
      const next = uploadRecordSchema.parse({ ...current, ...patch, updated_at: new Date().toISOString() });
      await redis.set(keys.mcpUpload(id), JSON.stringify(next), 'KEEPTTL');
      return next;
    },
    async recent(limit = 20) {
      const ids = await redis.zrevrange(keys.mcpUploads(), 0, limit - 1);
      const records = await Promise.all(ids.map(get));
      return records.filter((r): r is UploadRecord => r !== undefined);
    },
    async issueToken(id, ttlMs) {
      const token = randomBytes(32).toString('base64url');
      await redis.set(keys.mcpUploadToken(tokenKey(token)), id, 'PX', ttlMs);
      return token;
    },
    async consumeToken(token) {
      if (!/^[A-Za-z0-9_-]{43}$/.test(token)) return undefined;
      const key = keys.mcpUploadToken(tokenKey(token));
      // GET and DEL in one transaction: two fetches with the same token cannot both win.
      const [[, id] = [], [, deleted] = []] = ((await redis.multi().get(key).del(key).exec()) ?? []) as [[Error | null, string | null]?, [Error | null, number]?];
      return deleted === 1 && typeof id === 'string' ? id : undefined;
    },
  };
}
