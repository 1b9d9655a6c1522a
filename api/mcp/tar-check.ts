import { Transform, type TransformCallback } from 'node:stream';
import { McpUploadInvalidError, McpUploadTooLargeError } from '../../shared/errors/mcp-upload-errors.js';

/**
 * Checks an image archive as it streams through, without holding it: every 512-byte tar
 * header must carry a valid checksum, the stream must not end inside a member, the total
 * must stay under the limit, and the archive must hold what an engine's image load needs
 * at its top — `manifest.json` (docker save, podman save), `repositories` (the old docker
 * save) or `index.json` (OCI layout). Bytes pass through unchanged; the first problem
 * fails the stream with an error that names it (McpUploadInvalidError 400, McpUploadTooLargeError 413).
 */
const BLOCK = 512;
const MARKERS = ['manifest.json', 'repositories', 'index.json'] as const;

export interface TarSummary {
  bytes: number;
  members: number;
  /** which of manifest.json / repositories / index.json it holds */
  markers: string[];
}

export class TarCheck extends Transform {
  private header = Buffer.alloc(0);
  /** body and padding bytes of the current member still to pass */
  private skip = 0;
  private bytes = 0;
  private members = 0;
  private zeroBlocks = 0;
  private readonly markers = new Set<string>();

  constructor(private readonly limitBytes: number, private readonly limitMb: number) {
    super();
  }

  summary(): TarSummary {
    return { bytes: this.bytes, members: this.members, markers: [...this.markers] };
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limitBytes) return done(new McpUploadTooLargeError(this.limitMb));
    try {
      this.scan(chunk);
    } catch (err) {
      return done(err as Error);
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (this.bytes === 0) return done(new McpUploadInvalidError('the body is empty'));
    try {
      if (this.members === 0 && this.zeroBlocks === 0) refuseCompressed(this.header); // shorter than one header
    } catch (err) {
      return done(err as Error);
    }
    if (this.skip > 0 || this.header.length > 0) return done(new McpUploadInvalidError(`it ends inside a member after ${this.bytes} bytes (cut short?)`));
    if (this.members === 0) return done(new McpUploadInvalidError('the tar holds no files'));
    if (this.markers.size === 0) {
      return done(new McpUploadInvalidError('no manifest.json, repositories or index.json at its top: send a `docker save` / `podman save` archive (a root filesystem tar is not an image)'));
    }
    done();
  }

  private scan(chunk: Buffer): void {
    let at = 0;
    while (at < chunk.length) {
      if (this.skip > 0) {
        const n = Math.min(this.skip, chunk.length - at);
        this.skip -= n;
        at += n;
        continue;
      }
      const need = BLOCK - this.header.length;
      const piece = chunk.subarray(at, at + need);
      this.header = this.header.length === 0 ? Buffer.from(piece) : Buffer.concat([this.header, piece]);
      at += piece.length;
      if (this.header.length < BLOCK) return;
      const block = this.header;
      this.header = Buffer.alloc(0);
      this.readHeader(block);
    }
  }

  private readHeader(block: Buffer): void {
    if (this.members === 0 && this.zeroBlocks === 0) refuseCompressed(block);
    if (block.every((b) => b === 0)) {
      this.zeroBlocks++;
      return;
    }
    if (this.zeroBlocks > 0) throw new McpUploadInvalidError(`data after the end-of-archive marker at byte ${this.bytes}`);
    if (!checksumMatches(block)) {
      throw new McpUploadInvalidError(this.members === 0 ? 'it is not a tar archive (the first header’s checksum does not match)' : `a tar header’s checksum does not match after ${this.members} members (corrupted?)`);
    }
    const size = memberSize(block);
    if (size === undefined) throw new McpUploadInvalidError(`a tar header after ${this.members} members has an unreadable size`);
    const type = String.fromCharCode(block[156] ?? 0);
    // pax and GNU long-name headers describe the next member; they are not members themselves
    if (!'xgLK'.includes(type)) {
      this.members++;
      const name = memberName(block);
      if ((MARKERS as readonly string[]).includes(name)) this.markers.add(name);
    }
    this.skip = Math.ceil(size / BLOCK) * BLOCK;
  }
}

const COMPRESSED: Array<[string, number[]]> = [
  ['gzip', [0x1f, 0x8b]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['bzip2', [0x42, 0x5a, 0x68]],
];

function refuseCompressed(start: Buffer): void {
  for (const [name, magic] of COMPRESSED) {
    if (start.length >= magic.length && magic.every((b, i) => start[i] === b)) throw new McpUploadInvalidError(`it is ${name}-compressed: send the plain tar (\`docker save\` without compression)`);
  }
}

function checksumMatches(block: Buffer): boolean {
  const stored = parseInt(cString(block.subarray(148, 156)).trim() || 'x', 8);
  if (Number.isNaN(stored)) return false;
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] as number);
  return sum === stored;
}

/** Octal, or base-256 (high bit set) for members over 8 GiB. */
function memberSize(block: Buffer): number | undefined {
  const field = block.subarray(124, 136);
  if (((field[0] as number) & 0x80) !== 0) {
    let n = 0;
    for (let i = 1; i < field.length; i++) n = n * 256 + (field[i] as number);
    return n;
  }
  const text = cString(field).trim();
  if (text === '') return 0;
  const n = parseInt(text, 8);
  return Number.isNaN(n) ? undefined : n;
}

function memberName(block: Buffer): string {
  const name = cString(block.subarray(0, 100));
  const ustar = block.subarray(257, 262).toString('latin1') === 'ustar';
  const prefix = ustar ? cString(block.subarray(345, 500)) : '';
  return (prefix ? `${prefix}/${name}` : name).replace(/^\.\//, '');
}

function cString(buf: Buffer): string {
  const end = buf.indexOf(0);
  return buf.subarray(0, end === -1 ? buf.length : end).toString('utf8');
}
