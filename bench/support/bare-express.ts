/**
 * A bare Express handler in a process of its own, the HTTP baseline for benches: parses the
 * JSON body and answers 202 with an id and a timestamp, nothing else. Prints `port <n>`.
 * With BARE_LIST_FILE (a JSON file), `GET /api/agents` answers that document, serialised
 * per request as Nox's handlers are: what a list of that size costs HTTP and JSON alone.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/api/messages', (req, res) => {
  res.status(202).json({ id: `m-${randomUUID()}`, accepted: true, message: { ...(req.body as object), timestamp: new Date().toISOString() } });
});
const listFile = process.env.BARE_LIST_FILE;
if (listFile) {
  const list = JSON.parse(readFileSync(listFile, 'utf8')) as unknown;
  app.get('/api/agents', (_req, res) => void res.json(list));
}
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
