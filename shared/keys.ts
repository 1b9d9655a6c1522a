import { assertValidId } from './ids.js';

/**
 * Every Redis key and BullMQ queue name Nox uses is built here, under one prefix.
 *
 * The default prefix `{nox}` is a Redis Cluster hash tag: every key hashes to the same
 * slot, which BullMQ's multi-key Lua scripts and our MULTI blocks require on a cluster.
 * Tests pass a unique prefix so that they never see each other's keys.
 */
export const SHARED_QUEUES = ['spawn', 'messages', 'tasks', 'approvals', 'registry', 'mcp'] as const;
export type SharedQueueName = (typeof SHARED_QUEUES)[number];

export interface Keys {
  readonly prefix: string;
  /** the `prefix` option for every BullMQ Queue/Worker/QueueEvents */
  readonly bullPrefix: string;
  /** BullMQ queue name of a host's own queue (BullMQ refuses ':' in queue names) */
  hostQueue(hostId: string): string;
  /** set of every host id ever registered and not yet reaped */
  hosts(): string;
  /** hash: a host's registration */
  host(hostId: string): string;
  /** string with a TTL: present while the host heartbeats */
  hostAlive(hostId: string): string;
  /** marker set once when a host is first seen dead (so `host.down` is emitted once) */
  hostDownReported(hostId: string): string;
  /** set: ids of cordoned hosts (no new placement there); kept across the host's restarts */
  hostsCordoned(): string;
  /** hash: host id → `draining` | `drained` (shared/hosts/host-drain.ts); kept across restarts until uncordoned */
  hostsDrain(): string;
  /** the bounded stream of domain events */
  events(): string;
  /** rate-limit counters (express-rate-limit's store prefix; api/http/request-guard.ts's counters) */
  rateLimit(scope: string): string;
  /** string with a TTL until the token's expiry: the token with this `jti` is revoked (logout) */
  revokedToken(jti: string): string;
  /** hash: a host credential (shared/hosts/host-credential.ts): its host, labels, expiry, sealed secret hash, revocation */
  hostCredential(credentialId: string): string;
  /** set: ids of every host credential not yet expired */
  hostCredentials(): string;
  /** hash: agent id → token epoch; an agent token minted with a lower epoch is revoked (shared/auth/revocation.ts) */
  agentTokenEpochs(): string;
  /** counter with a TTL: recent failed logins of one user name (shared/auth/login-lockout.ts) */
  loginFailures(username: string): string;
  /** string with a TTL: present while a user name is locked out of login */
  loginLock(username: string): string;
  /** list: buffered registry appends (conversation lines, resource samples) awaiting a flush */
  registryAppends(): string;
  /** stream: the audit trail's recent window (api/audit/audit-log.ts), trimmed by age to audit.retention_days */
  audit(): string;
  /** hash: cost and tokens per agent for one UTC day, fields `<agentId>|<measure>` (shared/costs/daily-usage.ts) */
  usageDay(day: string): string;
  /** counter: sequence number of registry appends (the writer's applied-once watermark) */
  registryAppendSeq(): string;
  /** string with a TTL: lease held by the one registry writer */
  registryWriter(): string;
  /** hash: registry file (relative path, `.gz` for a closed day) → its text, as of the last publication (shared/registry/registry-mirror.ts) */
  registryFiles(): string;
  /** hash: a snapshot being written, renamed over registryFiles() in one MULTI */
  registryFilesNext(): string;
  /** sorted set: host id → last time (ms) it said it waits for the registry writer's first publication */
  hostsWaitingForRegistry(): string;
  /** hash: what the writer last published: sha, version, snapshot, branch, at (absent: never published) */
  registryPublished(): string;
  /** hash: an agent's mirrored CLI session: sessionId, gzipped transcript (base64), bytes, host, at (workers/agents/session-mirror.ts) */
  agentSession(agentId: string): string;
  /** string: an agent's waiting direct turns (JSON list), kept by the host that runs it so they outlive it (workers/agents/waiting-turns.ts) */
  agentWaitingTurns(agentId: string): string;
  /** hash: an agent's runtime state (status, host, pid, session, cost, cpu, memory...) */
  agent(agentId: string): string;
  /** string: the host that owns (runs) an agent; claimed atomically so an agent never runs twice */
  agentOwner(agentId: string): string;
  /** set: ids of every agent that has runtime state */
  agentIndex(): string;
  /** hash: agent configs (id → JSON) while the registry client is not wired (shared/agents/agent-store.ts) */
  agentConfigs(): string;
  /** counter: bumped on every change of agentConfigs() (the list ETag's config version) */
  agentConfigsVersion(): string;
  /** list: an agent's recent conversation entries (JSON), newest last, bounded */
  agentConversation(agentId: string): string;
  /** list: an agent's recent resource samples (JSON), newest last, bounded */
  agentSamples(agentId: string): string;
  /** set: agent ids running on a host */
  hostAgents(hostId: string): string;
  /** hash: agentId → {pid, pgid, startTime, hostId} of agent processes on one machine (adoption after a host restart) */
  machineAgentPids(hostname: string): string;
  /** sorted set: spawns in the last hour (score = epoch ms), overall or per parent agent */
  spawnLog(parentId?: string): string;
  /** string with a TTL: the spawn job placing an agent right now (racing spawn jobs become no-ops) */
  agentSpawning(agentId: string): string;
  /** sorted set: an agent's durable inbox of message ids (score = priority band, then arrival) */
  agentInbox(agentId: string): string;
  /** sorted set: message ids already handed to an agent (score = epoch ms); the exactly-once mark */
  agentDelivered(agentId: string): string;
  /** hash: message id → claim (pid, batch) of ids written to an agent's stdin and not yet confirmed */
  agentInflight(agentId: string): string;
  /** sorted set: message ids an agent sent or received (score = epoch ms), for the log */
  agentMessages(agentId: string): string;
  /** string: one message as JSON (bounded life, see messages.keep_ms) */
  message(messageId: string): string;
  /** sorted set: every message id (score = epoch ms), for the log */
  messageLog(): string;
  /** counter: arrival order of inbox entries */
  messageSeq(): string;
  /** set: agent ids subscribed to a topic (live mirror of agent-relationships.toml) */
  topicSubscribers(topic: string): string;
  /** set: every topic with at least one subscriber or message */
  topics(): string;
  /** sorted set: message ids published to a topic (score = epoch ms) */
  topicMessages(topic: string): string;
  /** string: one task as JSON (the live index; the registry keeps tasks.toml) */
  task(taskId: string): string;
  /** sorted set: every task id (score = created epoch ms) */
  taskIndex(): string;
  /** set: task ids assigned to an agent */
  agentTaskIds(agentId: string): string;
  /** set: ids of tasks that depend on a task */
  taskDependents(taskId: string): string;
  /** sorted set: task ids by deadline (score = epoch ms); removed once the deadline is reported */
  taskDeadlines(): string;
  /** counter: bumped with every write of the task index or of a task's usage (the tasks list's ETag) */
  taskListVersion(): string;
  /** hash: what the turns done for a task cost: `costUsd`, `turns`, tokens, and `agent|<id>` per agent (shared/costs/task-usage.ts) */
  taskUsage(taskId: string): string;
  /** sorted set: a task's messages set aside while its budget is spent, member `<agentId>|<messageId>`, score = inbox score (workers/messages/task-parking.ts) */
  taskParked(taskId: string): string;
  /** set: ids of tasks whose budget is spent and that have messages set aside */
  tasksBudgetHeld(): string;
  /** hash: one approval request (immutable `request` JSON plus status and decision fields) */
  approval(approvalId: string): string;
  /** sorted set: every approval id kept in Redis (score = created epoch ms) */
  approvalIndex(): string;
  /** sorted set: ids of approvals waiting for a person (score = created epoch ms) */
  approvalsPending(): string;
  /** sorted set: decided approvals whose history line / conversation entry is not written yet (score = decided epoch ms) */
  approvalsUnrecorded(): string;
  /** hash: agent id → JSON {status, since, reason, eventId} of an agent whose status needs a person (shared/attention/attention-index.ts) */
  attentionAgents(): string;
  /** hash: agent id → stream id of the last `agent.status` event the attention index applied (so a late host never undoes a newer one) */
  attentionSeen(): string;
  /** string with a TTL: lease held by the one host that keeps the attention index (workers/attention/attention-watch.ts) */
  attentionLease(): string;
  /** string: stream id of the last event the attention index's keeper handled (its successor replays from there) */
  attentionCursor(): string;
  /** string: one MCP install request as JSON, by its approval id (workers/mcp/install-requests) */
  mcpInstall(approvalId: string): string;
  /** sorted set: approval ids of MCP install requests not yet settled (score = created epoch ms) */
  mcpInstallsOpen(): string;
  /** string: one image upload as JSON, by its id (shared/mcp/uploads.ts) */
  mcpUpload(uploadId: string): string;
  /** sorted set: upload ids by creation (score = epoch ms), for the dashboard's list */
  mcpUploads(): string;
  /** string: an upload's id, by the SHA-256 of its single-use download token (expires with the token) */
  mcpUploadToken(tokenHash: string): string;
  /** hash: an approval-gated spawn or deletion of an agent, by its approval id (shared/agents/agent-requests.ts) */
  agentRequest(approvalId: string): string;
  /** sorted set: approval ids of agent requests not yet settled (score = created epoch ms) */
  agentRequestsOpen(): string;
  /** anything else, under the prefix: `k('agent', id, 'inbox')` */
  k(...parts: string[]): string;
}

export function makeKeys(prefix = '{nox}'): Keys {
  const k = (...parts: string[]): string => [prefix, ...parts].join(':');
  return {
    prefix,
    bullPrefix: prefix,
    hostQueue: (hostId) => `host.${assertValidId(hostId, 'hostId')}`,
    hosts: () => k('hosts'),
    host: (hostId) => k('host', assertValidId(hostId, 'hostId')),
    hostAlive: (hostId) => k('host', assertValidId(hostId, 'hostId'), 'alive'),
    hostDownReported: (hostId) => k('host', assertValidId(hostId, 'hostId'), 'down-reported'),
    hostsCordoned: () => k('hosts', 'cordoned'),
    hostsDrain: () => k('hosts', 'drain'),
    events: () => k('events'),
    rateLimit: (scope) => `${k('ratelimit', scope)}:`,
    revokedToken: (jti) => k('auth', 'revoked', jti),
    agentTokenEpochs: () => k('auth', 'agent-token-epochs'),
    hostCredential: (credentialId) => k('auth', 'host-credential', assertValidId(credentialId, 'credentialId')),
    hostCredentials: () => k('auth', 'host-credentials'),
    // any string may be typed as a user name: encoded so it stays one key segment
    loginFailures: (username) => k('auth', 'login-failures', encodeURIComponent(username)),
    loginLock: (username) => k('auth', 'login-lock', encodeURIComponent(username)),
    registryAppends: () => k('registry', 'appends'),
    audit: () => k('audit'),
    usageDay: (day) => k('usage', 'day', day),
    registryAppendSeq: () => k('registry', 'append-seq'),
    registryWriter: () => k('registry', 'writer'),
    registryFiles: () => k('registry', 'files'),
    registryFilesNext: () => k('registry', 'files-next'),
    hostsWaitingForRegistry: () => k('registry', 'waiting-hosts'),
    registryPublished: () => k('registry', 'published'),
    agentSession: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'session'),
    agentWaitingTurns: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'waiting-turns'),
    agent: (agentId) => k('agent', assertValidId(agentId, 'agentId')),
    agentOwner: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'owner'),
    agentIndex: () => k('agents'),
    agentConfigs: () => k('agents', 'configs'),
    agentConfigsVersion: () => k('agents', 'configs-version'),
    agentConversation: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'conversation'),
    agentSamples: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'samples'),
    hostAgents: (hostId) => k('host', assertValidId(hostId, 'hostId'), 'agents'),
    machineAgentPids: (hostname) => k('machine', encodeURIComponent(hostname), 'agent-pids'),
    spawnLog: (parentId) => (parentId ? k('spawns', 'parent', assertValidId(parentId, 'parentId')) : k('spawns')),
    agentSpawning: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'spawning'),
    agentInbox: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'inbox'),
    agentDelivered: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'delivered'),
    agentInflight: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'inflight'),
    agentMessages: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'messages'),
    message: (messageId) => k('message', messageId),
    messageLog: () => k('messages', 'log'),
    messageSeq: () => k('messages', 'seq'),
    topicSubscribers: (topic) => k('topic', topic, 'subscribers'),
    topics: () => k('topics'),
    topicMessages: (topic) => k('topic', topic, 'messages'),
    task: (taskId) => k('task', taskId),
    taskIndex: () => k('tasks'),
    agentTaskIds: (agentId) => k('agent', assertValidId(agentId, 'agentId'), 'tasks'),
    taskDependents: (taskId) => k('task', taskId, 'dependents'),
    taskDeadlines: () => k('tasks', 'deadlines'),
    taskListVersion: () => k('tasks', 'version'),
    taskUsage: (taskId) => k('task', taskId, 'usage'),
    taskParked: (taskId) => k('task', taskId, 'parked'),
    tasksBudgetHeld: () => k('tasks', 'budget-held'),
    approval: (approvalId) => k('approval', assertValidId(approvalId, 'approvalId')),
    approvalIndex: () => k('approvals'),
    approvalsPending: () => k('approvals', 'pending'),
    approvalsUnrecorded: () => k('approvals', 'unrecorded'),
    attentionAgents: () => k('attention', 'agents'),
    attentionSeen: () => k('attention', 'seen'),
    attentionLease: () => k('attention', 'lease'),
    attentionCursor: () => k('attention', 'cursor'),
    mcpInstall: (approvalId) => k('mcp', 'install', assertValidId(approvalId, 'approvalId')),
    mcpInstallsOpen: () => k('mcp', 'installs', 'open'),
    mcpUpload: (uploadId) => k('mcp', 'upload', assertValidId(uploadId, 'uploadId')),
    mcpUploads: () => k('mcp', 'uploads'),
    mcpUploadToken: (tokenHash) => k('mcp', 'upload-token', assertValidId(tokenHash, 'tokenHash')),
    agentRequest: (approvalId) => k('agent-request', assertValidId(approvalId, 'approvalId')),
    agentRequestsOpen: () => k('agent-requests', 'open'),
    k,
  };
}
