import { ERROR_CODE } from './codes.js';
import { NoxError } from './nox-error.js';

/** Bad engine address (DOCKER_HOST / mcp.docker_host): raised before any call is made. */
export class EngineConfigError extends NoxError {
  constructor(message: string) {
    super(ERROR_CODE.engineConfigInvalid, message);
  }
}

/** 503: the Docker-API engine does not answer (not running, wrong socket, no permission). */
export class EngineUnavailableError extends NoxError {
  constructor(endpoint: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super(ERROR_CODE.engineUnavailable, `The container engine at ${endpoint} does not answer${why}`, { cause });
  }
}

/** 404: an MCP service's image is not present on this engine (and nothing is pulled implicitly). */
export class McpImageNotFoundError extends NoxError {
  constructor(image: string) {
    super(ERROR_CODE.mcpImageNotFound, `Image ${image} is not present on the container engine; install the service first`);
  }
}

/** 422: an image archive that is neither a rootfs tar nor a `docker save` archive, or an import the engine refused. */
export class McpImageImportError extends NoxError {
  constructor(message: string, cause?: unknown) {
    super(ERROR_CODE.mcpImageImportFailed, message, { cause });
  }
}

/** 500: the engine refused or failed a container operation (create, start, attach, stop, remove). */
export class McpContainerError extends NoxError {
  constructor(operation: string, container: string, cause?: unknown) {
    const why = cause instanceof Error ? `: ${cause.message}` : '';
    super(ERROR_CODE.mcpContainerFailed, `Container ${operation} failed for ${container}${why}`, { cause });
  }
}

/** 422: a service's policy names a network that is missing or not internal (it could reach out). */
export class McpNetworkPolicyError extends NoxError {
  constructor(network: string, why: string) {
    super(ERROR_CODE.mcpNetworkNotInternal, `Network ${network} ${why}; MCP services get network none or an internal network`);
  }
}

/** 403: the catalog does not list this agent among those allowed to use the service. */
export class McpServiceNotAllowedError extends NoxError {
  constructor(service: string, agentId: string) {
    super(ERROR_CODE.mcpServiceNotAllowed, `Agent ${agentId} may not use MCP service ${service}`);
  }
}

/** 503: the image registry cannot be reached from the engine (offline, DNS, refused) — said plainly, never an empty result. */
export class McpRegistryUnreachableError extends NoxError {
  constructor(detail: string, cause?: unknown) {
    super(ERROR_CODE.mcpRegistryUnreachable, `The image registry is not reachable from the container engine: ${detail}`, { cause });
  }
}

/** 422: an image that cannot serve as an MCP service here (wrong platform, too large...). */
export class McpImageCheckError extends NoxError {
  readonly problems: string[];
  constructor(image: string, problems: string[]) {
    super(ERROR_CODE.mcpImageCheckFailed, `Image ${image} cannot be installed: ${problems.join('; ')}`, { extensions: { problems } });
    this.problems = problems;
  }
}

/** 404: no MCP service by that name in the catalog. */
export class McpServiceNotFoundError extends NoxError {
  constructor(service: string) {
    super(ERROR_CODE.mcpServiceNotFound, `No MCP service ${service} in the catalog`);
  }
}

/** 409: installing a service whose name the catalog already holds (send `replace: true` to update it). */
export class McpServiceExistsError extends NoxError {
  constructor(service: string) {
    super(ERROR_CODE.mcpServiceExists, `MCP service ${service} is already in the catalog; send replace: true to update it`);
  }
}

/** 404: no install request with that approval id. */
export class McpInstallNotFoundError extends NoxError {
  constructor(approvalId: string) {
    super(ERROR_CODE.mcpInstallNotFound, `No MCP install request for approval ${approvalId}`);
  }
}

/** An agent's MCP endpoint socket could not be opened (reported in the agent's `refused[]` services). */
export class McpEndpointError extends NoxError {
  constructor(socketPath: string, why: string, cause?: unknown) {
    super(ERROR_CODE.mcpEndpointFailed, `Cannot open the MCP endpoint ${socketPath}: ${why}`, { cause });
  }
}

/** A connection to an agent's MCP endpoint beyond its limits: open sessions (`mcp.max_sessions_per_service`), or connections yet to show a token. */
export class McpEndpointBusyError extends NoxError {
  constructor(service: string, limit: number, what = 'sessions open (mcp.max_sessions_per_service)') {
    super(ERROR_CODE.mcpEndpointBusy, `Already ${limit} ${what} on the endpoint of MCP service ${service}`);
  }
}

/** 403: a bind mount the mount policy refuses (shared/mcp/mount-policy.ts); `mounts[]` says which and why. */
export class McpMountNotAllowedError extends NoxError {
  constructor(mounts: readonly { source: string; reason: string }[]) {
    super(ERROR_CODE.mcpMountNotAllowed, `MCP service mounts refused: ${mounts.map((m) => `${m.source} ${m.reason}`).join('; ')}`, { extensions: { mounts } });
  }
}
