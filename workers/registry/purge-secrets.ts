import { spawn } from 'node:child_process';
import { Transform, type TransformCallback } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CONFIG_FILE } from '../../shared/config/load-config.js';
import { historyHoldsSecrets, redactSecrets } from '../../shared/registry/secret-redaction.js';
import type { WriterState } from './writer-state.js';

/**
 * `nox registry purge-secrets`: rewrites the registry's history (every branch) so that no
 * version of system-config.toml holds a secret, then drops the old objects. Asked for by
 * an admin with consent (the CLI asks; the API needs `confirm: true`), run by the writer
 * like any history operation, so git never sees two writers.
 *
 * How: `git fast-export --all --show-original-ids | scrub | git fast-import --force` — the
 * stream is passed through byte for byte except the data of the blobs that were a version
 * of system-config.toml, whose secret lines are dropped. Commits keep their messages,
 * authors, dates and trailers (so change ids still apply once); their shas change from the
 * first rewritten commit on. Then reflogs expire and `git gc --prune=now` removes the old
 * objects, so nothing reachable or loose still holds a secret.
 */
export interface PurgeResult {
  /** versions of system-config.toml that held a secret and were rewritten */
  rewrittenBlobs: number;
  branches: string[];
  /** HEAD before and after */
  before: string;
  after: string;
}

export async function purgeSecrets(state: WriterState): Promise<PurgeResult> {
  const { git, dir } = state;
  const status = await git.raw(['status', '--porcelain=v1', '--untracked-files=no']);
  if (status.trim()) throw new Error(`the registry has uncommitted changes (${status.trim().split('\n').length} file(s)); they are committed when the writer starts: restart it, then purge`);
  const before = (await git.revparse(['HEAD'])).trim();
  const targets = await configBlobsWithSecrets(state);
  if (targets.size > 0) {
    const exporter = spawn('git', ['fast-export', '--all', '--show-original-ids', '--signed-tags=strip', '--reencode=no'], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const importer = spawn('git', ['fast-import', '--force', '--quiet'], { cwd: dir, stdio: ['pipe', 'pipe', 'pipe'] });
    const errors: string[] = [];
    exporter.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
    importer.stderr.on('data', (d: Buffer) => errors.push(d.toString()));
    const exited = (p: ReturnType<typeof spawn>, name: string): Promise<void> =>
      new Promise((resolve, reject) => p.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`git ${name} exited with ${code}: ${errors.join('').trim().slice(0, 500)}`)))));
    await Promise.all([pipeline(exporter.stdout, new BlobScrubber(targets), importer.stdin), exited(exporter, 'fast-export'), exited(importer, 'fast-import')]);
    // the checked-out branch moved under the index: make the index match it (the working tree already does)
    await git.raw(['reset', '-q', '--mixed']);
  }
  await git.raw(['reflog', 'expire', '--expire=now', '--all']);
  await git.raw(['gc', '--prune=now', '--quiet']);
  if (await historyHoldsSecrets(git)) throw new Error('history still holds secret lines after the rewrite');
  for (const sha of targets) {
    const still = await git.raw(['cat-file', '-t', sha]).then(
      () => true,
      () => false,
    );
    if (still) throw new Error(`object ${sha} (an old system-config.toml) is still in the repository`);
  }
  const after = (await git.revparse(['HEAD'])).trim();
  const branches = (await git.branchLocal()).all;
  return { rewrittenBlobs: targets.size, branches, before, after };
}

/** Every blob that was a version of system-config.toml on any branch and holds a secret line. */
async function configBlobsWithSecrets(state: WriterState): Promise<Set<string>> {
  const raw = await state.git.raw(['log', '--all', '--format=', '--raw', '--no-abbrev', '--no-renames', '--', CONFIG_FILE]);
  const blobs = new Set<string>();
  for (const line of raw.split('\n')) {
    const m = /^:\d+ \d+ ([0-9a-f]{40}) ([0-9a-f]{40}) /.exec(line);
    if (!m) continue;
    for (const sha of [m[1]!, m[2]!]) if (!/^0+$/.test(sha)) blobs.add(sha);
  }
  const out = new Set<string>();
  for (const sha of blobs) {
    const text = await state.git.raw(['cat-file', 'blob', sha]);
    if (scrubSecrets(text) !== text) out.add(sha);
  }
  return out;
}

const SECRET_LINE = /^\s*(jwt_secret|password_hash|webhook_url|password)\s*=/;
const TABLE_HEADER = /^\s*\[+\s*([A-Za-z0-9_."-]+)\s*\]+\s*(#.*)?$/;

/**
 * A version of system-config.toml without its secrets: lines that set a secret key are
 * dropped, and so is every entry of a [mcp.secrets] table (the header too); what is left
 * inline (a password_hash inside an inline table, a hash pasted elsewhere) is redacted.
 */
export function scrubSecrets(text: string): string {
  let inSecretTable = false;
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    const header = TABLE_HEADER.exec(line);
    if (header) {
      inSecretTable = header[1]!.replace(/"/g, '') === 'mcp.secrets';
      if (inSecretTable) continue;
    } else if (inSecretTable || SECRET_LINE.test(line)) {
      continue;
    }
    kept.push(line);
  }
  return redactSecrets(kept.join('\n'));
}

/**
 * Passes a fast-export stream through, rewriting the data of the blobs in `targets`
 * (by their `original-oid`). The stream is lines, except `data <n>` which is followed by
 * exactly n raw bytes.
 */
class BlobScrubber extends Transform {
  private buffer: Buffer = Buffer.alloc(0);
  private inBlob = false;
  private oid: string | undefined;

  constructor(private readonly targets: Set<string>) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    this.buffer = this.buffer.length ? Buffer.concat([this.buffer, chunk]) : chunk;
    try {
      this.drain();
      done();
    } catch (err) {
      done(err as Error);
    }
  }

  override _flush(done: TransformCallback): void {
    if (this.buffer.length) this.push(this.buffer);
    done();
  }

  private drain(): void {
    for (;;) {
      const nl = this.buffer.indexOf(0x0a);
      if (nl < 0) return;
      const line = this.buffer.subarray(0, nl).toString('latin1');
      if (line.startsWith('data ')) {
        const size = Number(line.slice(5));
        if (!Number.isInteger(size) || size < 0) throw new Error(`unexpected fast-export line: ${line.slice(0, 80)}`);
        if (this.buffer.length < nl + 1 + size) return; // wait for the whole payload
        const payload = this.buffer.subarray(nl + 1, nl + 1 + size);
        this.buffer = this.buffer.subarray(nl + 1 + size);
        if (this.inBlob && this.oid && this.targets.has(this.oid)) {
          const clean = Buffer.from(scrubSecrets(payload.toString('utf8')), 'utf8');
          this.push(Buffer.from(`data ${clean.length}\n`));
          this.push(clean);
        } else {
          this.push(Buffer.from(`${line}\n`, 'latin1'));
          this.push(payload);
        }
        this.inBlob = false;
        this.oid = undefined;
        continue;
      }
      if (line === 'blob') {
        this.inBlob = true;
        this.oid = undefined;
      } else if (this.inBlob && line.startsWith('original-oid ')) {
        this.oid = line.slice('original-oid '.length).trim();
      }
      this.push(this.buffer.subarray(0, nl + 1));
      this.buffer = this.buffer.subarray(nl + 1);
    }
  }
}
