import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { NoxConfig } from '../../shared/config/schema.js';
import { McpUploadNoSpaceError } from '../../shared/errors/mcp-upload-errors.js';
import { TarCheck, type TarSummary } from './tar-check.js';

/**
 * The API host's folder of uploaded image archives (`mcp.upload_dir`): one `<id>.tar` per
 * upload, written through TarCheck as it arrives (a `.part` until it is whole and checked,
 * so a half-written or refused file is never fetched), deleted once a host has fetched it,
 * or when it expires (`mcp.upload_ttl_ms`, swept before each new upload).
 */
export function uploadDir(config: NoxConfig): string {
  const configured = config.mcp.upload_dir;
  if (!configured) return path.join(config.registryDir, '.runtime', 'mcp-uploads');
  return path.resolve(path.dirname(config.registryDir), configured);
}

export function uploadFile(dir: string, id: string): string {
  return path.join(dir, `${id}.tar`);
}

/**
 * Streams `source` into `file`, checked; on any failure nothing is left behind. `sink`
 * opens the partial file (a seam for the disk-full test, which writes to /dev/full).
 */
export async function saveUpload(
  source: Readable,
  file: string,
  limit: { bytes: number; mb: number },
  sink: (part: string) => Writable = (part) => createWriteStream(part, { mode: 0o600 }),
): Promise<TarSummary> {
  const part = `${file}.part`;
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const check = new TarCheck(limit.bytes, limit.mb);
  const out = sink(part);
  try {
    await pipeline(source, check, out);
    await rename(part, file);
  } catch (err) {
    // a file stream opens asynchronously: refused early, its open can land after a removal
    // made at once, and leave the `.part` behind — remove it once the stream has closed
    if (!out.closed) await new Promise((resolve) => out.once('close', resolve));
    await rm(part, { force: true });
    if ((err as NodeJS.ErrnoException).code === 'ENOSPC') throw new McpUploadNoSpaceError(path.dirname(file), err);
    throw err;
  }
  return check.summary();
}

export function openUpload(file: string): Readable {
  return createReadStream(file);
}

/** Removes uploads older than `ttlMs` (and `.part` files a crashed API left). */
export async function sweepUploads(dir: string, ttlMs: number, now = Date.now()): Promise<number> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names) {
    if (!/^up-[0-9a-f]{24}\.tar(\.part)?$/.test(name)) continue;
    const file = path.join(dir, name);
    const st = await stat(file).catch(() => undefined);
    if (st && now - st.mtimeMs > ttlMs) {
      await rm(file, { force: true });
      removed++;
    }
  }
  return removed;
}
