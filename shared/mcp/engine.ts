import Docker from 'dockerode';
import { EngineUnavailableError } from '../errors/mcp-errors.js';
import { parseDockerHost, type EngineEndpoint } from './engine-endpoint.js';

/**
 * The Docker-API engine seam: any engine that speaks the Docker Engine API (Docker, or
 * Podman's `podman system service`). Everything Nox does to containers goes through the
 * dockerode client here, except attach, which needs a raw upgrade request (attach.ts) on
 * the same endpoint. docs/MCP.md describes the calls we rely on, as a contract.
 */
export interface Engine {
  readonly docker: Docker;
  readonly endpoint: EngineEndpoint;
  /** resolves when the engine answers `/_ping`; EngineUnavailableError otherwise */
  ping(): Promise<void>;
  /** engine name and version, for logs and /health */
  describe(): Promise<{ name: string; version: string; apiVersion: string }>;
}

export interface EngineOptions {
  /** `mcp.docker_host`; when unset, DOCKER_HOST, else Docker's default socket */
  dockerHost?: string;
  /** per-request timeout for engine calls (not for attach streams). Default 30000 ms. */
  timeoutMs?: number;
}

export function createEngine(options: EngineOptions = {}): Engine {
  const endpoint = parseDockerHost(options.dockerHost ?? process.env.DOCKER_HOST);
  const timeout = options.timeoutMs ?? 30_000;
  const docker =
    endpoint.kind === 'unix'
      ? new Docker({ socketPath: endpoint.socketPath, timeout })
      : new Docker({ host: endpoint.host, port: endpoint.port, protocol: 'http', timeout });

  return {
    docker,
    endpoint,
    async ping() {
      try {
        await docker.ping();
      } catch (err) {
        throw new EngineUnavailableError(endpoint.display, err);
      }
    },
    async describe() {
      let v: Docker.DockerVersion;
      try {
        v = await docker.version();
      } catch (err) {
        throw new EngineUnavailableError(endpoint.display, err);
      }
      const components = (v as { Components?: Array<{ Name: string }> }).Components ?? [];
      const name = components.some((c) => /podman/i.test(c.Name)) ? 'podman' : 'docker';
      return { name, version: v.Version, apiVersion: v.ApiVersion };
    },
  };
}

/** dockerode errors carry the HTTP status of the engine's answer. */
export function engineStatus(err: unknown): number | undefined {
  const status = (err as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof status === 'number' ? status : undefined;
}
