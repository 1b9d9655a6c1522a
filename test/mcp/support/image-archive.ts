import { request } from 'node:http';
import { testEngine } from './engine.js';

/**
 * The test image as a `docker save` / `podman save` archive, read from the real engine
 * (the test image is built from local files: test/fixtures/mcp/build-image.ts), for the
 * upload tests; and a raw HTTP upload that can declare any length or send any chunks.
 */
let saved: Promise<Buffer> | undefined;

export function savedTestImage(): Promise<Buffer> {
  saved ??= (async () => {
    const { engine, image } = await testEngine();
    const stream = await engine.docker.getImage(image).get();
    const chunks: Buffer[] = [];
    for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
    return Buffer.concat(chunks);
  })();
  return saved;
}

export interface RawAnswer {
  status: number;
  body: Record<string, unknown>;
}

/** POSTs `chunks` as they come (chunked unless `contentLength` is given); resolves with the answer even when the server stops reading early. */
export function rawUpload(url: string, token: string, chunks: AsyncIterable<Buffer> | Buffer[], contentLength?: number): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}`, 'content-type': 'application/x-tar' };
    if (contentLength !== undefined) headers['content-length'] = String(contentLength);
    const req = request(url, { method: 'POST', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} }));
      res.on('error', reject);
    });
    // the server may answer and close before it has read everything: that is the point
    req.on('error', () => undefined);
    void (async () => {
      for await (const c of chunks) {
        if (req.destroyed) return;
        if (!req.write(c)) await new Promise<void>((r) => req.once('drain', r).once('close', r));
      }
      req.end();
    })();
  });
}
