import http from 'node:http';
import type { Socket } from 'node:net';
import { PassThrough, type Readable, type Writable } from 'node:stream';
import { McpContainerError } from '../../../shared/errors/mcp-errors.js';
import type { EngineEndpoint } from '../../../shared/mcp/engine-endpoint.js';
import { createFrameDemuxer } from './frame-demux.js';

/**
 * Attaches to a container's stdin/stdout/stderr with a raw HTTP upgrade request.
 *
 * Why not dockerode's `container.attach()`: it sends its options as a JSON request body,
 * and Podman's API service feeds that body to the container's stdin — the MCP server then
 * reads `{"stream":true,...}` as its first JSON-RPC line. A bare POST with
 * `Connection: Upgrade` / `Upgrade: tcp` and no body works on Docker and Podman alike.
 *
 * The container must have been created without a TTY: its output then arrives as frames
 * (frame-demux.ts) that we split into `stdout` and `stderr`. Attach before `start` so the
 * server's first bytes are not lost.
 */
export interface AttachedStreams {
  /** bytes written here reach the container's stdin; `end()` half-closes it (EOF for the server) */
  readonly stdin: Writable;
  readonly stdout: Readable;
  readonly stderr: Readable;
  /** settles when the engine closes the stream (the container's output is finished) */
  readonly closed: Promise<void>;
  /** tears the connection down at once */
  destroy(): void;
}

export function attachContainer(endpoint: EngineEndpoint, containerId: string, timeoutMs = 10_000): Promise<AttachedStreams> {
  const target = endpoint.kind === 'unix' ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
  return new Promise((resolve, reject) => {
    const req = http.request({
      ...target,
      method: 'POST',
      path: `/containers/${encodeURIComponent(containerId)}/attach?stream=1&stdin=1&stdout=1&stderr=1`,
      headers: { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Length': '0' },
      timeout: timeoutMs,
    });
    req.on('timeout', () => req.destroy(new Error(`no attach answer within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new McpContainerError('attach', containerId, err)));
    req.on('upgrade', (_res, socket, head) => {
      resolve(wrapSocket(socket, head));
    });
    req.on('response', (res) => {
      // Anything but 101 is a refusal (404 no such container, 409 not running...).
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('error', () => undefined);
      res.on('end', () => {
        const body = Buffer.concat(parts).toString('utf8').trim();
        reject(new McpContainerError('attach', containerId, new Error(`HTTP ${res.statusCode} ${body.slice(0, 300)}`)));
      });
    });
    req.end();
  });
}

function wrapSocket(socket: Socket, head: Buffer): AttachedStreams {
  socket.setTimeout(0);
  socket.setNoDelay(true);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  // Readers that go away must not crash the process: errors are reported through `closed`.
  stdout.on('error', () => undefined);
  stderr.on('error', () => undefined);
  const demux = createFrameDemuxer((stream, payload) => {
    if (stream === 'stdout') stdout.write(payload);
    else if (stream === 'stderr') stderr.write(payload);
  });

  const closed = new Promise<void>((resolve, reject) => {
    let failure: Error | undefined;
    const onData = (chunk: Buffer): void => {
      try {
        demux.push(chunk);
      } catch (err) {
        failure = err as Error;
        socket.destroy();
      }
    };
    if (head.length > 0) onData(head);
    socket.on('data', onData);
    socket.on('error', (err) => {
      failure ??= err;
    });
    socket.on('close', () => {
      stdout.end();
      stderr.end();
      if (failure) reject(failure);
      else resolve();
    });
  });
  closed.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection

  return {
    stdin: socket,
    stdout,
    stderr,
    closed,
    destroy: () => socket.destroy(),
  };
}
