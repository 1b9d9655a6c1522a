import http from 'node:http';
import type { EngineEndpoint } from '../../../shared/mcp/engine-endpoint.js';

/**
 * Watches for a container's next exit and its exit code, for as long as it takes (a
 * session lasts hours; dockerode's client has a request timeout, so this is a raw request
 * without one). Register it BEFORE starting the container: service containers are
 * AutoRemove, and a wait sent after the exit may find the container already gone — or, on
 * Podman, answer `not-running` with a wrong code. `next-exit` registered first is what
 * `docker run --rm` does, and Podman honours it too.
 */
export interface ExitWatch {
  /**
   * settles once the engine has the wait (it answers the headers at once) — await it before
   * start; after 500 ms it settles anyway, for an engine that holds its headers back
   */
  readonly registered: Promise<void>;
  /** the exit code; undefined when the container vanished or the engine could not say */
  readonly exited: Promise<number | undefined>;
  cancel(): void;
}

export function watchExit(endpoint: EngineEndpoint, containerId: string): ExitWatch {
  const target = endpoint.kind === 'unix' ? { socketPath: endpoint.socketPath } : { host: endpoint.host, port: endpoint.port };
  let req: http.ClientRequest | undefined;
  let onHeaders!: () => void;
  const headers = new Promise<void>((r) => (onHeaders = r));
  const exited = new Promise<number | undefined>((resolve) => {
    req = http.request(
      { ...target, method: 'POST', path: `/containers/${encodeURIComponent(containerId)}/wait?condition=next-exit`, headers: { 'Content-Length': '0' } },
      (res) => {
        onHeaders();
        const parts: Buffer[] = [];
        res.on('data', (c: Buffer) => parts.push(c));
        res.on('error', () => resolve(undefined));
        res.on('end', () => {
          if (res.statusCode !== 200) return resolve(undefined);
          try {
            const body = JSON.parse(Buffer.concat(parts).toString('utf8')) as { StatusCode?: unknown };
            resolve(typeof body.StatusCode === 'number' ? body.StatusCode : undefined);
          } catch {
            resolve(undefined);
          }
        });
      },
    );
    req.on('error', () => {
      onHeaders();
      resolve(undefined);
    });
    req.end();
  });
  let timer: NodeJS.Timeout | undefined;
  const registered = Promise.race([headers, new Promise<void>((r) => (timer = setTimeout(r, 500)))]).finally(() => clearTimeout(timer));
  return { registered, exited, cancel: () => req?.destroy() };
}
