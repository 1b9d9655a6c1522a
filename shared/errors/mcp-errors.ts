import { NoxError } from './nox-error.js';

/** Bad engine address (DOCKER_HOST / mcp.docker_host): raised before any call is made. */
export class EngineConfigError extends NoxError {
  constructor(message: string) {
    super('nox:engine-config-invalid', message, { status: 500, title: 'Invalid engine configuration' });
  }
}

/** 503: the Docker-API engine does not answer (not running, wrong socket, no permission). */
export class EngineUnavailableError extends NoxError {
  constructor(endpoint: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('nox:engine-unavailable', `The container engine at ${endpoint} does not answer${why}`, {
      status: 503,
      title: 'Service unavailable',
      cause,
    });
  }
}

/** 404: an MCP service's image is not present on this engine (and nothing is pulled implicitly). */
export class McpImageNotFoundError extends NoxError {
  constructor(image: string) {
    super('nox:mcp-image-not-found', `Image ${image} is not present on the container engine; install the service first`, {
      status: 404,
      title: 'Not found',
    });
  }
}

/** 422: an image archive that is neither a rootfs tar nor a `docker save` archive, or an import the engine refused. */
export class McpImageImportError extends NoxError {
  constructor(message: string, cause?: unknown) {
    super('nox:mcp-image-import-failed', message, { status: 422, title: 'Image import failed', cause });
  }
}

/** 500: the engine refused or failed a container operation (create, start, attach, stop, remove). */
export class McpContainerError extends NoxError {
  constructor(operation: string, container: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super('nox:mcp-container-failed', `Container ${operation} failed for ${container}${why}`, {
      status: 500,
      title: 'Container operation failed',
      cause,
    });
  }
}

/** 422: a service's policy names a network that is missing or not internal (it could reach out). */
export class McpNetworkPolicyError extends NoxError {
  constructor(network: string, why: string) {
    super('nox:mcp-network-not-internal', `Network ${network} ${why}; MCP services get network none or an internal network`, {
      status: 422,
      title: 'Network policy refused',
    });
  }
}

/** 403: the catalog does not list this agent among those allowed to use the service. */
export class McpServiceNotAllowedError extends NoxError {
  constructor(service: string, agentId: string) {
    super('nox:mcp-service-not-allowed', `Agent ${agentId} may not use MCP service ${service}`, { status: 403, title: 'Forbidden' });
  }
}

/** 503: the image registry cannot be reached from the engine (offline, DNS, refused) — said plainly, never an empty result. */
export class McpRegistryUnreachableError extends NoxError {
  constructor(detail: string, cause?: unknown) {
    super('nox:mcp-registry-unreachable', `The image registry is not reachable from the container engine: ${detail}`, {
      status: 503,
      title: 'Service unavailable',
      cause,
    });
  }
}

/** 422: an image that cannot serve as an MCP service here (wrong platform, too large...). */
export class McpImageCheckError extends NoxError {
  readonly problems: string[];
  constructor(image: string, problems: string[]) {
    super('nox:mcp-image-check-failed', `Image ${image} cannot be installed: ${problems.join('; ')}`, {
      status: 422,
      title: 'Image check failed',
      extensions: { problems },
    });
    this.problems = problems;
  }
}

/** 404: no MCP service by that name in the catalog. */
export class McpServiceNotFoundError extends NoxError {
  constructor(service: string) {
    super('nox:mcp-service-not-found', `No MCP service ${service} in the catalog`, { status: 404, title: 'Not found' });
  }
}

/** 409: installing a service whose name the catalog already holds (send `replace: true` to update it). */
export class McpServiceExistsError extends NoxError {
  constructor(service: string) {
    super('nox:mcp-service-exists', `MCP service ${service} is already in the catalog; send replace: true to update it`, { status: 409, title: 'Conflict' });
  }
}

/** 404: no install request with that approval id. */
export class McpInstallNotFoundError extends NoxError {
  constructor(approvalId: string) {
    super('nox:mcp-install-not-found', `No MCP install request for approval ${approvalId}`, { status: 404, title: 'Not found' });
  }
}
