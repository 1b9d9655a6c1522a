/**
 * Domain types shared by the API and the worker hosts.
 *
 * Glossary
 * - **agent**: a long-lived `claude` process in headless streaming mode, with an id
 *   (`^[a-z0-9][a-z0-9-]{0,62}$`), a config in the registry and runtime state in Redis.
 * - **host** (worker host): a `nox worker` process on some machine. It registers itself in
 *   Redis with a heartbeat, consumes the shared queues and its own `host.<id>` queue, and
 *   runs the agents placed on it.
 * - **spawn**: the job that places an agent on a live host with free capacity and starts it.
 * - **message**: something one principal (a person or an agent) sends to agents: direct,
 *   broadcast or by topic; routed through the `messages` queue into durable inboxes.
 * - **task**: a unit of work owned by an agent, with status, priority, deadline and
 *   dependencies; kept in the registry as TOML and as a human-editable markdown file.
 * - **approval**: a decision a risky act waits for: policy decides, or a person does.
 * - **MCP service**: an MCP server packaged as a container image that agents can use.
 * - **registry**: the `.nox-registry/` folder, TOML and markdown files where every change
 *   is a git commit made by the single registry writer.
 * - **event**: a domain event on the bounded Redis stream; API nodes fan it out to
 *   Socket.IO clients, by room.
 */

/** Who is acting: a person (user), an agent, or Nox itself. */
export type Role = 'admin' | 'operator' | 'viewer' | 'agent';
export const ROLES: readonly Role[] = ['admin', 'operator', 'viewer', 'agent'];

export interface Principal {
  /** user name, agent id, or `system` */
  sub: string;
  role: Role;
  /** set for role `agent`: the agent this principal is */
  agentId?: string;
}

/** A worker host as registered in Redis. */
export interface HostInfo {
  id: string;
  hostname: string;
  pid: number;
  capacity: number;
  running: number;
  labels: Record<string, string>;
  version: string;
  startedAt: string;
  lastHeartbeat: string;
  /** false once the heartbeat key has expired */
  alive: boolean;
  /** cordoned by a person: no new agent is placed here (its running agents stay) */
  cordoned: boolean;
  /** a drain asked for (cordoned too): `draining` while agents are left on it, `drained` once none is (shared/hosts/host-drain.ts) */
  drain?: 'draining' | 'drained';
  /** how this host runs its agents, published once it has checked (docs/SANDBOX.md) */
  sandbox?: HostSandbox;
  /** the host's background loops as of its last heartbeat (registry writer, sweeps, watches) */
  loops?: Record<string, LoopHealth>;
  /**
   * How the host gets its agents' tokens (docs/HOSTS.md, "Joining a host"): `signing-key` — it
   * holds `auth.jwt_secret` and mints them (`nox up`'s host); `host-credential` — it asks the
   * API, with the credential it joined with, and holds no signing key
   */
  agentTokens?: 'signing-key' | 'host-credential';
  /** whether the host loaded `auth.jwt_secret` (the key that mints every token, admins' included) */
  signingKey?: boolean;
  /** the host credential it joined with; `revokedAt` once an admin revoked it */
  credential?: { id: string; revokedAt?: string };
  /** why the host stopped taking work on its own (its credential revoked or expired), and when */
  stopped?: { reason: string; at: string };
}

/** A background loop's health: when it last ran through, and its last error if the latest run failed. */
export interface LoopHealth {
  /** ISO time of the last successful run; null before the first */
  lastRunAt: string | null;
  lastError: string | null;
}

/**
 * A host's agent sandbox as `nox doctor` and the dashboard show it: `off` on purpose, or
 * `bubblewrap` and whether it works here (if not, agents fail with `problem` and `fix`).
 */
export interface HostSandbox {
  mode: 'bubblewrap' | 'off';
  ready: boolean;
  problem?: string;
  fix?: string;
  /** `bubblewrap 0.8.0` */
  version?: string;
  /** `agent.command` and what its `--version` printed (or why it could not run) */
  agentCommand: string;
  agentCommandVersion: string;
  /** the names (never the values) of the model credentials the agents get, none: [] */
  agentCredentials?: string[];
  checkedAt: string;
}

/** A domain event as stored on the event stream. */
export interface DomainEvent<T = unknown> {
  /** the Redis stream id, set when read back */
  id?: string;
  type: string;
  /** ISO time the event was produced */
  at: string;
  agentId?: string;
  taskId?: string;
  hostId?: string;
  correlationId?: string;
  data: T;
}

/** Lower number = higher priority, as in BullMQ. Every job carries one explicitly. */
export type PriorityName = 'critical' | 'high' | 'normal' | 'low';
