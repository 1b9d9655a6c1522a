import { EngineConfigError } from '../errors/mcp-errors.js';

/**
 * Where the Docker-API engine listens, parsed once from DOCKER_HOST (or the `mcp.docker_host`
 * setting) so that dockerode and our raw attach requests (attach.ts) dial the same place.
 *
 * Accepted: `unix:///path/to.sock`, `tcp://host:port`, `http://host:port`. TLS (`https://`,
 * DOCKER_TLS_VERIFY) and `ssh://` are refused with a clear message rather than half-supported.
 */
export type EngineEndpoint =
  | { kind: 'unix'; socketPath: string; display: string }
  | { kind: 'tcp'; host: string; port: number; display: string };

/** Docker's own default when DOCKER_HOST is unset. */
export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export function parseDockerHost(value: string | undefined): EngineEndpoint {
  const raw = (value ?? '').trim() || DEFAULT_DOCKER_HOST;
  if (raw.startsWith('unix://')) {
    const socketPath = raw.slice('unix://'.length);
    if (!socketPath.startsWith('/')) throw new EngineConfigError(`DOCKER_HOST "${raw}": a unix socket path must be absolute (unix:///path)`);
    return { kind: 'unix', socketPath, display: raw };
  }
  const withScheme = raw.includes('://') ? raw : `tcp://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new EngineConfigError(`DOCKER_HOST "${raw}" is not a URL (expected unix:///path or tcp://host:port)`);
  }
  if (url.protocol !== 'tcp:' && url.protocol !== 'http:') {
    throw new EngineConfigError(`DOCKER_HOST "${raw}": scheme ${url.protocol} is not supported (use unix:// or tcp://)`);
  }
  const port = url.port ? Number(url.port) : 2375;
  return { kind: 'tcp', host: url.hostname, port, display: `tcp://${url.hostname}:${port}` };
}
