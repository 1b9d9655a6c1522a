/**
 * A bare Express handler in a process of its own, the HTTP baseline for benches: parses the
 * JSON body and answers 202 with an id and a timestamp, nothing else. Prints `port <n>`.
 */
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import express from 'express';

const app = express();
app.use(express.json({ limit: '1mb' }));
app.post('/api/messages', (req, res) => {
  res.status(202).json({ id: `m-${randomUUID()}`, accepted: true, message: { ...(req.body as object), timestamp: new Date().toISOString() } });
});
const server = app.listen(0, '127.0.0.1', () => process.stdout.write(`port ${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
