import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync } from 'node:fs';
import { PassThrough } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { expect } from 'chai';
import { saveUpload, uploadDir } from '../../api/mcp/upload-files.js';
import { hasImage, removeImage } from '../../shared/mcp/images.js';
import { createUploadStore, UPLOAD_TOKEN_HEADER, type UploadRecord } from '../../shared/mcp/uploads.js';
import { testRootfsTar } from '../fixtures/mcp/build-image.js';
import { tokenFor } from '../support/harness.js';
import { testEngine } from './support/engine.js';
import { rawUpload, savedTestImage } from './support/image-archive.js';
import { startMcpStack, waitUntil, type McpStack } from './support/mcp-stack.js';

/**
 * POST /api/mcp/images end to end: the API checks the archive as it streams and keeps it;
 * the `mcp` queue's import job on the worker host fetches it with its single-use token and
 * loads it into the real engine; the file is gone afterwards. Bad archives are 400s that
 * say why, too large a 413, a full disk a 507; only operators and admins upload.
 */
describe('mcp image upload: API → mcp queue → engine', function () {
  this.timeout(180_000);
  let stack: McpStack;
  let archive: Buffer;
  const refs: string[] = [];
  const LIMIT_MB = 64;
  before(async () => {
    await testEngine();
    archive = await savedTestImage();
    expect(archive.length, 'the test archive must fit the limit').to.be.below(LIMIT_MB * 1024 * 1024);
    stack = await startMcpStack({ overrides: { 'mcp.upload_max_mb': LIMIT_MB } });
  });
  after(async () => {
    await stack?.cleanup();
    const { engine } = await testEngine();
    for (const ref of refs) await removeImage(engine, ref).catch(() => undefined);
  });

  const url = (): string => `${stack.api.url}/api/mcp/images`;
  const operator = tokenFor('operator', 'olga');
  const waitUpload = async (id: string, status: string): Promise<UploadRecord> => {
    let last: UploadRecord | undefined;
    await waitUntil(async () => {
      last = await stack.json<UploadRecord>('GET', `/api/mcp/images/uploads/${id}`, 200, { role: 'viewer' });
      return last.status === status;
    }, 60_000, 200).catch(() => {
      throw new Error(`upload ${id} did not become ${status}: ${JSON.stringify(last)}`);
    });
    return last as UploadRecord;
  };

  it('imports a docker-save archive on the engine under the ref asked for; the file is deleted once fetched', async () => {
    const { engine } = await testEngine();
    const ref = `localhost/nox-test-upload:${randomBytes(3).toString('hex')}`;
    refs.push(ref);
    const answer = await rawUpload(`${url()}?ref=${encodeURIComponent(ref)}`, operator, [archive], archive.length);
    expect(answer.status, JSON.stringify(answer.body)).to.equal(202);
    expect(answer.body).to.include({ status: 'uploaded', size_bytes: archive.length, uploaded_by: 'user:olga', ref });
    const id = answer.body.id as string;
    expect(answer.body.job_id).to.equal(`import-${id}`);

    const done = await waitUpload(id, 'imported');
    expect(done.images).to.include(ref);
    expect(await hasImage(engine, ref)).to.equal(true);
    const dir = uploadDir(stack.config);
    expect(readdirSync(dir).filter((n) => n.startsWith(id)), 'the archive is deleted after the import fetched it').to.deep.equal([]);
    const listed = await stack.json<{ uploads: UploadRecord[] }>('GET', '/api/mcp/images/uploads', 200, { role: 'viewer' });
    expect(listed.uploads.map((u) => u.id)).to.include(id);
  });

  it('answers 400 nox:mcp-upload-invalid naming why: not a tar, compressed, a root filesystem, cut short', async () => {
    const cases: Array<[string, Buffer, RegExp]> = [
      ['not a tar', Buffer.from('hello, this is not a tar archive '.repeat(40)), /not a tar archive/],
      ['gzip', gzipSync(archive.subarray(0, 4096)), /gzip-compressed/],
      ['rootfs', readFileSync(await testRootfsTar()), /no manifest\.json, repositories or index\.json/],
      ['cut short', archive.subarray(0, Math.floor(archive.length / 2) + 100), /ends inside a member|cut short/],
    ];
    for (const [what, body, why] of cases) {
      const answer = await rawUpload(url(), operator, [body], body.length);
      expect(answer.status, `${what}: ${JSON.stringify(answer.body)}`).to.equal(400);
      expect(answer.body.code, what).to.equal('nox:mcp-upload-invalid');
      expect(String(answer.body.detail), what).to.match(why);
    }
    const json = await stack.call('POST', '/api/mcp/images', { role: 'operator', body: { tar: '/etc/passwd' } });
    expect(json.status).to.equal(400);
    expect(((await json.json()) as { code: string }).code).to.equal('nox:mcp-upload-invalid');
    const dir = uploadDir(stack.config);
    const left = existsSync(dir) ? readdirSync(dir).filter((n) => n.endsWith('.part')) : [];
    expect(left, 'no partial file stays behind').to.deep.equal([]);
  });

  it('answers 413 over mcp.upload_max_mb: said by Content-Length before reading, or counted as it streams', async () => {
    const declared = await rawUpload(url(), operator, [], LIMIT_MB * 1024 * 1024 + 1);
    expect(declared.status).to.equal(413);
    expect(declared.body.code).to.equal('nox:mcp-upload-too-large');

    // chunked, no length: the archive's first real header, then zeros past the limit
    async function* tooMuch(): AsyncIterable<Buffer> {
      yield archive.subarray(0, 512);
      const zeros = Buffer.alloc(1024 * 1024);
      for (let i = 0; i <= LIMIT_MB + 1; i++) yield zeros;
    }
    const counted = await rawUpload(url(), operator, tooMuch());
    expect(counted.status).to.equal(413);
    expect(counted.body.code).to.equal('nox:mcp-upload-too-large');
  });

  it('only operators and admins upload (a viewer or an agent is refused before a byte is kept)', async () => {
    for (const token of [tokenFor('viewer'), tokenFor('agent', 'agent:up-a1', 'up-a1')]) {
      const answer = await rawUpload(url(), token, [archive.subarray(0, 1024)], 1024);
      expect(answer.status).to.equal(403);
    }
  });

  it('the archive route wants the job’s token, once', async () => {
    const uploads = createUploadStore(stack.apiCtx);
    const now = new Date().toISOString();
    const id = 'up-0123456789abcdef01234567';
    await uploads.create({ id, size_bytes: 0, status: 'uploaded', uploaded_by: 'user:t', created_at: now, updated_at: now, expires_at: now });
    const token = await uploads.issueToken(id, 60_000);
    const archiveUrl = `${stack.api.url}/api/mcp/images/uploads/${id}/archive`;
    expect((await fetch(archiveUrl)).status, 'no token').to.equal(403);
    expect((await fetch(archiveUrl, { headers: { [UPLOAD_TOKEN_HEADER]: 'x'.repeat(43) } })).status, 'wrong token').to.equal(403);
    const first = await fetch(archiveUrl, { headers: { [UPLOAD_TOKEN_HEADER]: token } });
    expect(first.status, 'the token was good, but there is no file').to.equal(404);
    const again = await fetch(archiveUrl, { headers: { [UPLOAD_TOKEN_HEADER]: token } });
    expect(again.status, 'a used token').to.equal(403);
    expect(((await again.json()) as { code: string }).code).to.equal('nox:mcp-upload-token-invalid');
  });

  it('a full disk is 507 nox:mcp-upload-no-space, with nothing left behind (written to /dev/full)', async () => {
    const source = new PassThrough();
    source.end(archive); // whole and valid: only the disk can refuse it
    const file = `${uploadDir(stack.config)}/up-${'f'.repeat(24)}.tar`;
    const err = await saveUpload(source, file, { bytes: 1 << 30, mb: 1024 }, () => createWriteStream('/dev/full')).then(
      () => undefined,
      (e: unknown) => e as { code?: string; status?: number },
    );
    expect(err?.code).to.equal('nox:mcp-upload-no-space');
    expect(err?.status).to.equal(507);
    expect(existsSync(file)).to.equal(false);
  });
});
