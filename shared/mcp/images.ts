import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { McpImageImportError, McpImageNotFoundError } from '../errors/mcp-errors.js';
import { engineStatus, type Engine } from './engine.js';

/**
 * Images on the engine: import from a tar (nothing is ever pulled implicitly), inspect,
 * tag, remove. Two archive kinds exist and engines want them at different endpoints:
 * - a root filesystem tar (`tar -C rootfs -cf x.tar .`, `docker export`) → POST /images/create?fromSrc=-
 * - an image archive (`docker save`, `podman save`, has manifest.json) → POST /images/load
 * `importImageArchive` looks inside and picks the right one.
 */
export interface ImageSummary {
  id: string;
  tags: string[];
  labels: Record<string, string>;
  entrypoint: string[] | null;
  cmd: string[] | null;
  env: string[];
  user: string;
  sizeBytes: number;
  created: string;
  os: string;
  architecture: string;
  /** ports the image declares (stdio MCP servers need none) */
  exposedPorts: string[];
}

export interface ImportOptions {
  /** `repo:tag` to give the imported image */
  ref: string;
  /** Dockerfile instructions applied to a rootfs import: `CMD [...]`, `ENV K=v`, `LABEL k=v`, `ENTRYPOINT [...]` */
  changes?: string[];
}

export type ArchiveKind = 'rootfs' | 'image-archive';

/** Imports a tar file of either kind and tags it `ref`; returns the image. */
export async function importImageArchive(engine: Engine, tarPath: string, options: ImportOptions): Promise<ImageSummary> {
  const kind = await archiveKind(tarPath);
  const id = kind === 'rootfs' ? await importRootfs(engine, tarPath, options.changes ?? []) : await loadArchive(engine, tarPath);
  await tagImage(engine, id, options.ref);
  return inspectImage(engine, options.ref);
}

export async function inspectImage(engine: Engine, ref: string): Promise<ImageSummary> {
  let info: Awaited<ReturnType<ReturnType<Engine['docker']['getImage']>['inspect']>>;
  try {
    info = await engine.docker.getImage(ref).inspect();
  } catch (err) {
    if (engineStatus(err) === 404) throw new McpImageNotFoundError(ref);
    throw err;
  }
  const cfg = info.Config ?? ({} as typeof info.Config);
  return {
    id: info.Id,
    tags: info.RepoTags ?? [],
    labels: cfg.Labels ?? {},
    entrypoint: toList(cfg.Entrypoint),
    cmd: toList(cfg.Cmd),
    env: cfg.Env ?? [],
    user: cfg.User ?? '',
    sizeBytes: info.Size,
    created: info.Created,
    os: info.Os ?? '',
    architecture: info.Architecture ?? '',
    exposedPorts: Object.keys((cfg as { ExposedPorts?: Record<string, unknown> }).ExposedPorts ?? {}),
  };
}

/** true when the image is present; never pulls */
export async function hasImage(engine: Engine, ref: string): Promise<boolean> {
  try {
    await inspectImage(engine, ref);
    return true;
  } catch (err) {
    if (err instanceof McpImageNotFoundError) return false;
    throw err;
  }
}

/** Removes an image by ref; a missing image is not an error (removal is idempotent). */
export async function removeImage(engine: Engine, ref: string, force = false): Promise<void> {
  try {
    await engine.docker.getImage(ref).remove({ force });
  } catch (err) {
    if (engineStatus(err) !== 404) throw err;
  }
}

export async function tagImage(engine: Engine, idOrRef: string, ref: string): Promise<void> {
  const { repo, tag } = splitRef(ref);
  await engine.docker.getImage(idOrRef).tag({ repo, tag });
}

/** `host:5000/a/b:tag` → repo `host:5000/a/b`, tag `tag` (default `latest`); digests are refused. */
export function splitRef(ref: string): { repo: string; tag: string } {
  if (ref.includes('@')) throw new McpImageImportError(`cannot tag as a digest reference: ${ref}`);
  const slash = ref.lastIndexOf('/');
  const colon = ref.lastIndexOf(':');
  if (colon > slash) return { repo: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { repo: ref, tag: 'latest' };
}

/**
 * Reads the tar's member names (headers only) to tell an image archive (manifest.json or
 * an OCI index.json at the top) from a root filesystem. Compressed tars are taken as
 * rootfs: the engine decompresses those on import, and `docker save` output is plain tar.
 */
export async function archiveKind(tarPath: string, maxEntries = 10_000): Promise<ArchiveKind> {
  const fh = await open(tarPath, 'r');
  try {
    const header = Buffer.alloc(512);
    let offset = 0;
    for (let i = 0; i < maxEntries; i++) {
      const { bytesRead } = await fh.read(header, 0, 512, offset);
      if (bytesRead < 512 || header.every((b) => b === 0)) break;
      if (i === 0 && header.readUInt16BE(0) === 0x1f8b) return 'rootfs'; // gzip
      const name = cString(header.subarray(0, 100)).replace(/^\.\//, '');
      if (name === 'manifest.json' || name === 'index.json') return 'image-archive';
      const size = parseInt(cString(header.subarray(124, 136)).trim() || '0', 8);
      if (Number.isNaN(size)) throw new McpImageImportError(`${tarPath} is not a tar archive`);
      offset += 512 + Math.ceil(size / 512) * 512;
    }
    return 'rootfs';
  } finally {
    await fh.close();
  }
}

async function importRootfs(engine: Engine, tarPath: string, changes: string[]): Promise<string> {
  // No repo/tag here: Podman ignores `tag` and would name it `<repo>:latest`; we tag by id after.
  const progress = await engine.docker.importImage(createReadStream(tarPath), { changes } as object);
  const events = await followProgress(engine, progress);
  const last = events.at(-1) as { status?: string; error?: string } | undefined;
  const id = last?.status;
  if (!id || !/^(sha256:)?[0-9a-f]{12,64}$/.test(id)) {
    throw new McpImageImportError(`the engine did not report an image id for ${tarPath} (${JSON.stringify(last ?? null).slice(0, 200)})`);
  }
  return id;
}

async function loadArchive(engine: Engine, tarPath: string): Promise<string> {
  const [first] = await loadImageStream(engine, createReadStream(tarPath), tarPath);
  return first as string;
}

/**
 * Loads an image archive (`docker save` / `podman save`) from a stream — a file, or an
 * upload fetched from the API — and returns what the engine says it loaded (refs, or an
 * image id for an untagged archive), at least one.
 */
export async function loadImageStream(engine: Engine, archive: NodeJS.ReadableStream, what: string): Promise<string[]> {
  const progress = await engine.docker.loadImage(archive, { quiet: true } as object);
  const events = await followProgress(engine, progress);
  const text = events.map((e) => (e as { stream?: string }).stream ?? '').join('\n');
  // Docker: "Loaded image: name:tag" or "Loaded image ID: sha256:..."; Podman: "Loaded image: ..." (may list several).
  const match = /Loaded image(?: ID)?\(?s?\)?:\s*([^\n]+)/.exec(text);
  const loaded = (match?.[1] ?? '').split(/[,\s]+/).filter(Boolean);
  if (loaded.length === 0) throw new McpImageImportError(`the engine did not say which image ${what} held (${text.slice(0, 200)})`);
  return loaded;
}

function followProgress(engine: Engine, stream: NodeJS.ReadableStream): Promise<object[]> {
  return new Promise((resolve, reject) => {
    engine.docker.modem.followProgress(stream, (err: Error | null, events: object[]) => {
      if (err) return reject(new McpImageImportError(`image import failed: ${err.message}`, err));
      const failed = events.find((e) => typeof (e as { error?: unknown }).error === 'string') as { error: string } | undefined;
      if (failed) return reject(new McpImageImportError(`image import failed: ${failed.error}`));
      resolve(events);
    });
  });
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.subarray(0, end === -1 ? buf.length : end).toString('utf8');
}

function toList(value: string | string[] | null | undefined): string[] | null {
  if (value === null || value === undefined) return null;
  return Array.isArray(value) ? value : [value];
}
