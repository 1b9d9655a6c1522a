/**
 * Every stable error code Nox gives, in one place: its HTTP status, the problem's title,
 * and what it means. Clients and tests match on the codes, so they never change; a new
 * kind of error adds a line here and uses `ERROR_CODE.<name>` (never the string itself).
 *
 * NoxError takes its status and title from this list (api/http/problem.ts turns it into
 * problem+json), and docs/API.md's table of codes is this list, row for row
 * (test/api/error-catalogue.test.ts fails, with the table to paste, when they differ).
 *
 * `status: null` marks a code that is never an HTTP answer: it names a refusal reported in
 * a list or an event. Meanings are one line of Markdown (they become the doc's table).
 *
 * No imports: the dashboard bundles this file too.
 */
export interface ErrorEntry {
  readonly code: `nox:${string}`;
  readonly status: number | null;
  readonly title: string;
  readonly meaning: string;
}

export const ERROR_CATALOGUE = {
  // the request
  validationFailed: { code: 'nox:validation-failed', status: 400, title: 'Invalid request', meaning: 'bad JSON or a field that fails its schema (`errors[]` names each)' },
  requestAborted: { code: 'nox:request-aborted', status: 400, title: 'Bad request', meaning: 'the client went away before its body was read' },
  payloadTooLarge: { code: 'nox:payload-too-large', status: 413, title: 'Payload too large', meaning: 'body over `api.body_limit`' },
  unsupportedEncoding: { code: 'nox:unsupported-encoding', status: 415, title: 'Unsupported media type', meaning: 'body charset or content encoding not supported' },
  routeNotFound: { code: 'nox:route-not-found', status: 404, title: 'Not found', meaning: 'no route for this method and path (a feature this API version does not have)' },
  rateLimited: { code: 'nox:rate-limited', status: 429, title: 'Too many requests', meaning: 'too many requests (`Retry-After` says when)' },
  internal: { code: 'nox:internal', status: 500, title: 'Internal error', meaning: 'a bug: the `correlationId` finds it in the logs' },

  // who asks
  unauthenticated: { code: 'nox:unauthenticated', status: 401, title: 'Unauthenticated', meaning: 'no token (neither `Authorization: Bearer` nor the `nox_token` cookie)' },
  invalidToken: { code: 'nox:invalid-token', status: 401, title: 'Unauthenticated', meaning: 'a token that does not verify, or carries no valid role (an agent token without its agent id)' },
  tokenExpired: { code: 'nox:token-expired', status: 401, title: 'Unauthenticated', meaning: 'the token has expired: log in again' },
  invalidCredentials: { code: 'nox:invalid-credentials', status: 401, title: 'Unauthenticated', meaning: 'wrong user name or password (the same answer for both)' },
  tokenRevoked: { code: 'nox:token-revoked', status: 401, title: 'Unauthenticated', meaning: 'the token was revoked: its owner logged out, or its agent was stopped or deleted (an agent gets a new token at its next start), or the host credential of the host it was minted for was revoked' },
  accountLocked: { code: 'nox:account-locked', status: 429, title: 'Too many requests', meaning: 'too many failed logins for this user name: it is locked, even for the right password, until `Retry-After`; each further failure doubles the lock' },
  forbidden: { code: 'nox:forbidden', status: 403, title: 'Forbidden', meaning: 'the role may not do this' },
  metricsForbidden: { code: 'nox:metrics-forbidden', status: 403, title: 'Forbidden', meaning: 'a `/metrics` scrape from an address outside `metrics.allow` without the scrape token (`Authorization: Bearer <metrics scrape_token>`)' },
  crossSiteRequest: { code: 'nox:cross-site-request', status: 403, title: 'Forbidden', meaning: 'a change (POST, PUT, PATCH, DELETE) authenticated by the cookie whose `Origin` (or `Referer`) is not this server, without `X-Nox-Request: 1`' },
  tooManyRooms: { code: 'nox:too-many-rooms', status: null, title: 'Too many rooms', meaning: 'a Socket.IO handshake or `subscribe` that would put one socket in more than `api.socket_max_rooms` rooms (the answer says `limit`)' },
  notOwnAgent: { code: 'nox:not-own-agent', status: 403, title: 'Forbidden', meaning: 'an agent token reaches only its own agent: another agent’s conversation, metrics, memory, messages or subscriptions are not its to read or change' },

  // the services behind the API
  redisUnavailable: { code: 'nox:redis-unavailable', status: 503, title: 'Service unavailable', meaning: 'Redis does not answer (`Retry-After: 1`)' },
  noLiveHost: { code: 'nox:no-live-host', status: 503, title: 'Service unavailable', meaning: 'the request needs a worker host and none is alive (`Retry-After: 1`)' },
  noMatchingHost: { code: 'nox:no-matching-host', status: 503, title: 'Service unavailable', meaning: 'no live host carries every one of the agent’s labels with free capacity: the spawn is retried with backoff, and the agent’s `runtime.reason` says which labels' },
  timeout: { code: 'nox:timeout', status: 504, title: 'Timed out', meaning: 'a round trip through the queues did not come back in time' },
  configInvalid: { code: 'nox:config-invalid', status: 500, title: 'Invalid configuration', meaning: 'bad configuration, refused at boot: the message names the field, its source and why' },

  // hosts
  hostNotFound: { code: 'nox:host-not-found', status: 404, title: 'Not found', meaning: 'no worker host with that id (a ping needs a live one; a cordon or drain, one that has registered)' },
  hostIdInUse: { code: 'nox:host-id-in-use', status: 409, title: 'Conflict', meaning: 'a worker host refuses to start: a live host already has its id (set `NOX_HOST_ID` to another)' },
  hostCredentialInvalid: { code: 'nox:host-credential-invalid', status: 401, title: 'Unauthenticated', meaning: 'a host route (`/api/host/...`) without a host credential this API minted (`Authorization: Bearer noxh_…`, as `nox host token` printed it): missing, malformed, unknown or forged; an agent’s or a person’s token is not one' },
  hostCredentialRevoked: { code: 'nox:host-credential-revoked', status: 401, title: 'Unauthenticated', meaning: 'the host credential was revoked (`nox host revoke`): its host stops taking work and the agent tokens minted for it are refused' },
  hostCredentialExpired: { code: 'nox:host-credential-expired', status: 401, title: 'Unauthenticated', meaning: 'the host credential is past its `--ttl`: mint a new one' },
  hostCredentialBound: { code: 'nox:host-credential-bound', status: 409, title: 'Conflict', meaning: 'the host credential belongs to another host id (given with `--host`, or taken by the first host that joined with it)' },
  hostCredentialNotFound: { code: 'nox:host-credential-not-found', status: 404, title: 'Not found', meaning: 'no host credential with that id (never minted, or expired)' },
  agentNotOnHost: { code: 'nox:agent-not-on-host', status: 403, title: 'Forbidden', meaning: 'a host asked for the token of an agent that is not placed on it (the agent’s owner is another host, or none)' },

  // agents
  agentNotFound: { code: 'nox:agent-not-found', status: 404, title: 'Not found', meaning: 'no agent with that id' },
  agentExists: { code: 'nox:agent-exists', status: 409, title: 'Conflict', meaning: 'an agent with that id exists already' },
  agentNotRunning: { code: 'nox:agent-not-running', status: 409, title: 'Conflict', meaning: 'the act needs the agent running on a live host (stop, restart, interrupt, a turn)' },
  agentRunning: { code: 'nox:agent-running', status: 409, title: 'Conflict', meaning: 'the act needs the agent stopped (delete, reset)' },
  agentNotParked: { code: 'nox:agent-not-parked', status: 409, title: 'Conflict', meaning: 'resume now (`POST /api/agents/:id/unpark`) needs an agent parked by a usage or rate limit' },
  agentFailed: { code: 'nox:agent-failed', status: 409, title: 'Conflict', meaning: 'the agent’s circuit breaker is open (it crashed too often): reset it first' },
  agentOverBudget: { code: 'nox:agent-over-budget', status: 409, title: 'Conflict', meaning: 'the agent has spent its `max_budget_usd`: no new turns' },
  budgetReached: { code: 'nox:budget-reached', status: 409, title: 'Conflict', meaning: 'a budget the turn falls under is spent — its agent’s spawn subtree’s `subtree_budget_usd`, the fleet’s `budgets.fleet_daily_usd`, or its task’s `budget_usd`: no new turns (for that task) until it is raised (or, daily, the next UTC day)' },
  agentParked: { code: 'nox:agent-parked', status: null, title: 'Agent parked', meaning: 'the `runtime.reasonCode` of a `parked` agent: the CLI reported a usage or rate limit; turns and messages wait until `runtime.resumesAt`, when it resumes by itself' },
  agentStalled: { code: 'nox:agent-stalled', status: null, title: 'Agent stalled', meaning: 'the `runtime.reasonCode` of a `stalled` agent: its turn wrote nothing for `agent.stall_after_ms` while its process lives (`agent.stall_action` says what Nox does)' },
  turnQueueFull: { code: 'nox:turn-queue-full', status: 429, title: 'Too many requests', meaning: 'the agent already has `agent.max_queued_turns` turns waiting' },
  spawnRateExceeded: { code: 'nox:spawn-rate-exceeded', status: 429, title: 'Spawn refused', meaning: 'a spawn over the hourly limit of the cluster or of the parent; `refusal` and `limit` say which' },
  spawnDepthExceeded: { code: 'nox:spawn-depth-exceeded', status: 422, title: 'Spawn refused', meaning: 'a spawn deeper in the hierarchy than `agent.max_depth`' },
  agentRequestNotFound: { code: 'nox:agent-request-not-found', status: 404, title: 'Not found', meaning: 'no spawn or deletion waiting for an approval under that approval id (or it expired)' },
  agentRequestOpen: { code: 'nox:agent-request-open', status: 409, title: 'Conflict', meaning: 'a spawn of the same child by another agent already waits for an approval' },
  agentRequestInvalid: { code: 'nox:agent-request-invalid', status: 409, title: 'Conflict', meaning: 'an approved spawn request that carries no config' },
  agentRequestFailed: { code: 'nox:agent-request-failed', status: 409, title: 'Conflict', meaning: 'an approved spawn or deletion failed; the request’s `error` says why' },
  agentReplaced: { code: 'nox:agent-replaced', status: 409, title: 'Conflict', meaning: 'an approved deletion of an agent deleted and created again since it was asked: the new one is kept' },
  sandboxUnavailable: { code: 'nox:sandbox-unavailable', status: 503, title: 'Service unavailable', meaning: 'the worker host cannot sandbox agents (bubblewrap or socat missing or not working) and `agent.sandbox` is not `"off"`: the agent is `failed` with the reason and the fix, never started bare' },
  sandboxRefused: { code: 'nox:sandbox-refused', status: 422, title: 'Sandbox refused', meaning: 'the agent’s config would open its sandbox too wide (a writable folder holding the registry, the secrets, other agents or the system) or names an endpoint it cannot forward: the agent is `failed` with the reason' },

  // approvals
  approvalNotFound: { code: 'nox:approval-not-found', status: 404, title: 'Not found', meaning: 'no approval with that id (never existed, or trimmed from Redis); 409 when an approved agent request lost its approval before anyone acted' },
  approvalAlreadyDecided: { code: 'nox:approval-already-decided', status: 409, title: 'Conflict', meaning: 'the approval was decided already (by a person, the policy or the timeout)' },
  approvalOwnRequest: { code: 'nox:approval-own-request', status: 403, title: 'Forbidden', meaning: 'an agent never decides an approval it asked for' },
  approvalSamePerson: { code: 'nox:approval-same-person', status: 403, title: 'Forbidden', meaning: 'with `approvals.require_second_person`, a person never approves an approval they asked for: another person must' },
  approvalOtherAgent: { code: 'nox:approval-other-agent', status: 403, title: 'Forbidden', meaning: 'an agent may ask for approvals only for itself' },
  approvalDenied: { code: 'nox:approval-denied', status: 403, title: 'Forbidden', meaning: 'an act that needs an approval was denied by the policy at once; `approval_id` and `reason` say which and why' },

  // messages, tasks, memory
  messageNotFound: { code: 'nox:message-not-found', status: 404, title: 'Not found', meaning: 'no message with that id that you may read' },
  taskNotFound: { code: 'nox:task-not-found', status: 404, title: 'Not found', meaning: 'no task with that id (for an agent token: none it owns or asked for)' },
  taskExists: { code: 'nox:task-exists', status: 409, title: 'Conflict', meaning: 'an agent created a task under an id another’s task already has' },
  memoryNotFound: { code: 'nox:memory-not-found', status: 404, title: 'Not found', meaning: 'the agent has no memory under that key' },

  // the registry
  registryPathInvalid: { code: 'nox:registry-path-invalid', status: 400, title: 'Invalid registry path', meaning: 'a path or file reference that is not allowed (traversal, bad id, bad date)' },
  registryFileInvalid: { code: 'nox:registry-file-invalid', status: 422, title: 'Invalid registry file', meaning: 'a registry file that does not parse or match its schema; `file` and `line` say where (writes to it fail too)' },
  registryChangeFailed: { code: 'nox:registry-change-failed', status: 422, title: 'Registry change failed', meaning: 'the registry writer refused a change (e.g. it does not apply to the file as it is)' },
  registryRefNotFound: { code: 'nox:registry-ref-not-found', status: 404, title: 'Not found', meaning: 'no such commit, branch or point in the registry history' },
  registryConflict: { code: 'nox:registry-conflict', status: 409, title: 'Conflict', meaning: 'a merge or branch operation that conflicts with the current state (nothing was changed)' },
  adminOnlyChange: { code: 'nox:admin-only-change', status: 403, title: 'Forbidden', meaning: 'an operator’s rollback, branch switch or merge whose diff touches an admin-only file (`system-config.toml`: settings, users, policy); an admin may; `files` names them' },
  registryNoRemote: { code: 'nox:registry-no-remote', status: 409, title: 'Conflict', meaning: 'a backup asked for, but `registry.backup_remote` is not set' },
  registryNotPublished: { code: 'nox:registry-not-published', status: 503, title: 'Service unavailable', meaning: 'this process reads the registry from Redis and the registry writer has not published it yet (start `nox up` or `nox worker --registry-writer` where the registry folder is)' },

  // MCP services and the container engine
  engineConfigInvalid: { code: 'nox:engine-config-invalid', status: 500, title: 'Invalid engine configuration', meaning: '`DOCKER_HOST` / `mcp.docker_host` is not `unix:///abs/path` or `tcp://host:port`' },
  engineUnavailable: { code: 'nox:engine-unavailable', status: 503, title: 'Service unavailable', meaning: 'the container engine does not answer (not running, wrong socket, no permission)' },
  mcpImageNotFound: { code: 'nox:mcp-image-not-found', status: 404, title: 'Not found', meaning: 'the image is not on the engine (nothing is pulled implicitly)' },
  mcpImageImportFailed: { code: 'nox:mcp-image-import-failed', status: 422, title: 'Image import failed', meaning: 'a tar the engine refused, or neither a rootfs tar nor a `docker save` archive' },
  mcpImageCheckFailed: { code: 'nox:mcp-image-check-failed', status: 422, title: 'Image check failed', meaning: 'an image that fails its checks (platform, size); `problems[]` lists them' },
  mcpRegistryUnreachable: { code: 'nox:mcp-registry-unreachable', status: 503, title: 'Service unavailable', meaning: 'search or pull cannot reach the image registry (offline, DNS, refused)' },
  mcpContainerFailed: { code: 'nox:mcp-container-failed', status: 500, title: 'Container operation failed', meaning: 'the engine refused or failed a container operation (create, start, attach, stop, remove)' },
  mcpNetworkNotInternal: { code: 'nox:mcp-network-not-internal', status: 422, title: 'Network policy refused', meaning: 'a service’s policy names a missing or non-internal network' },
  mcpServiceNotAllowed: { code: 'nox:mcp-service-not-allowed', status: 403, title: 'Forbidden', meaning: 'the catalog does not list the agent among those allowed to use the service' },
  mcpMountNotAllowed: { code: 'nox:mcp-mount-not-allowed', status: 403, title: 'Forbidden', meaning: 'an MCP service bind-mounts a host path outside `mcp.mount_allow`, or one never mounted (an engine socket, /run, /proc, /sys, /dev, the registry, the secrets); `mounts[]` says which and why' },
  mcpServiceNotFound: { code: 'nox:mcp-service-not-found', status: 404, title: 'Not found', meaning: 'no MCP service by that name in the catalog' },
  mcpServiceExists: { code: 'nox:mcp-service-exists', status: 409, title: 'Conflict', meaning: 'an install for a name the catalog already has, without `replace: true`' },
  mcpInstallNotFound: { code: 'nox:mcp-install-not-found', status: 404, title: 'Not found', meaning: 'no MCP install request with that approval id (or it expired)' },
  mcpSecretMissing: { code: 'nox:mcp-secret-missing', status: null, title: 'MCP service refused', meaning: 'in an agent’s `refused[]` MCP services: a secret the service needs is not set on the host' },
  mcpEndpointFailed: { code: 'nox:mcp-endpoint-failed', status: null, title: 'MCP service refused', meaning: 'in an agent’s `refused[]` MCP services: the host could not open the agent’s endpoint socket for it (path too long, folder not writable)' },
  mcpEndpointBusy: { code: 'nox:mcp-endpoint-busy', status: null, title: 'MCP session refused', meaning: 'a connection to an agent’s MCP endpoint refused: it already has `mcp.max_sessions_per_service` sessions of that service open' },
  mcpUploadInvalid: { code: 'nox:mcp-upload-invalid', status: 400, title: 'Bad image archive', meaning: 'an uploaded image tar that is not one: not a tar, compressed, cut short, or without `manifest.json` / `repositories` / `index.json` (a `docker save` / `podman save` archive is needed); the detail says which' },
  mcpUploadTooLarge: { code: 'nox:mcp-upload-too-large', status: 413, title: 'Payload too large', meaning: 'an uploaded image tar over `mcp.upload_max_mb` (said by Content-Length, or counted as it streams)' },
  mcpUploadNoSpace: { code: 'nox:mcp-upload-no-space', status: 507, title: 'Insufficient storage', meaning: 'the API host’s upload folder (`mcp.upload_dir`) ran out of space while an image tar was written (ENOSPC); nothing was kept' },
  mcpUploadNotFound: { code: 'nox:mcp-upload-not-found', status: 404, title: 'Not found', meaning: 'no image upload by that id (or it expired)' },
  mcpUploadTokenInvalid: { code: 'nox:mcp-upload-token-invalid', status: 403, title: 'Forbidden', meaning: 'an image upload’s download token that is wrong, already used or expired (each import job gets one, single-use, short-lived)' },
  mcpCatalogUnreadable: { code: 'nox:mcp-catalog-unreadable', status: null, title: 'MCP service refused', meaning: 'in an agent’s `refused[]` MCP services: `mcp-services.toml` cannot be read, so the agent starts without them' },
  // projects and agents' worktrees (docs/WORKTREES.md)
  projectNotFound: { code: 'nox:project-not-found', status: 404, title: 'Not found', meaning: 'no project with that name (projects.toml)' },
  projectExists: { code: 'nox:project-exists', status: 409, title: 'Conflict', meaning: 'a project with that name exists already' },
  projectRepoInvalid: { code: 'nox:project-repo-invalid', status: 422, title: 'Not a repository', meaning: 'a project’s `repo` that is not a git repository Nox can read (a relative path, a folder without git, a URL that does not answer)' },
  projectBaseMissing: { code: 'nox:project-base-missing', status: 422, title: 'No such branch', meaning: 'a project’s `base` branch that does not exist in its repository' },
  projectBaseDirty: { code: 'nox:project-base-dirty', status: 409, title: 'Conflict', meaning: 'the base branch is checked out in the repository with uncommitted changes to tracked files (`files` names them): commit or stash them first' },
  projectInUse: { code: 'nox:project-in-use', status: 409, title: 'Conflict', meaning: 'removing a project that agents still name (`agents` lists them): delete them or change their project first' },
  agentNoProject: { code: 'nox:agent-no-project', status: 409, title: 'Conflict', meaning: 'changes or a merge of an agent that has no `project` (its workdir is a plain folder)' },
  mergeConflict: { code: 'nox:merge-conflict', status: 409, title: 'Merge conflict', meaning: 'the agent’s branch does not merge cleanly into the base: `files` lists the conflicting files; nothing was changed' },
  mergeNothing: { code: 'nox:merge-nothing', status: 409, title: 'Conflict', meaning: 'the agent’s branch has no commits that are not in the base' },
  baseMoved: { code: 'nox:base-moved', status: 409, title: 'Conflict', meaning: 'the base branch moved while the merge was made (or cannot be fast-forwarded to it), or the agent’s branch is no longer at the head that was approved: nothing was changed; ask again' },
} as const satisfies Record<string, ErrorEntry>;

type Catalogue = typeof ERROR_CATALOGUE;
export type ErrorName = keyof Catalogue;
export type ErrorCode = Catalogue[ErrorName]['code'];

/** The codes whose status is S: `ErrorCodeWithStatus<404>`, or `<number>` for every code an HTTP answer can carry. */
export type ErrorCodeWithStatus<S extends number> = { [K in ErrorName]: Catalogue[K]['status'] extends S ? Catalogue[K]['code'] : never }[ErrorName];

/** `ERROR_CODE.agentNotFound` is `'nox:agent-not-found'`. */
export const ERROR_CODE = Object.fromEntries(Object.entries(ERROR_CATALOGUE).map(([name, e]) => [name, e.code])) as {
  readonly [K in ErrorName]: Catalogue[K]['code'];
};

const byCode: ReadonlyMap<string, ErrorEntry> = new Map(Object.values(ERROR_CATALOGUE).map((e) => [e.code, e]));

export function isErrorCode(value: string): value is ErrorCode {
  return byCode.has(value);
}

/** The catalogue's entry for a code (undefined for a string that is not one of its codes). */
export function errorEntry(code: string): ErrorEntry | undefined {
  return byCode.get(code);
}
