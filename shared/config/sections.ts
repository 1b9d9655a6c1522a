import { z } from 'zod';
import { ROLES } from '../types.js';
import { DEFAULT_RULES, policyRuleSchema } from '../approvals/policy.js';
import { isWithheldFromAgents } from '../agents/withheld-env.js';

/**
 * The sections of system-config.toml that the foundation owns. Every field documents its
 * default next to it; `docs/CONFIGURATION.md` lists them with their environment overrides.
 */

const port = z.number().int().min(0).max(65535);
export const positiveMs = z.number().int().positive();

export const redisSection = z
  .object({
    /** Redis to use. Default: unset — `nox up` probes 127.0.0.1:6379 and otherwise starts its own. */
    url: z.string().regex(/^rediss?:\/\//, 'must start with redis:// or rediss://').optional(),
    /** Redis password (AUTH). A secret: in the secrets file or NOX_REDIS_PASSWORD; `nox up` generates one for its own redis-server. Default: none. */
    password: z.string().min(1).optional(),
    /**
     * Prefix of every key and queue. Default `{nox}`: the braces are a Redis Cluster hash
     * tag, so every key lands in one slot (BullMQ's Lua scripts need that).
     */
    prefix: z
      .string()
      .regex(/^\{[A-Za-z0-9_.-]{1,40}\}$/, 'must be a hash tag such as {nox}')
      .default('{nox}'),
  })
  .strict();

export const apiSection = z
  .object({
    /** Interface to listen on. Default `0.0.0.0`. */
    host: z.string().min(1).default('0.0.0.0'),
    /** Port. Default 3000; 0 picks a free port (tests). */
    port: port.default(3000),
    /** Largest JSON body accepted; larger gets 413. Default `256kb`. */
    body_limit: z.string().regex(/^\d+(b|kb|mb)$/, 'must look like 256kb or 1mb').default('256kb'),
    /**
     * Express `trust proxy` hops: how many proxies in front of the API may set
     * X-Forwarded-For/-Proto/-Host. Client addresses (per-IP limits), `Secure` cookies and the
     * same-origin check read them. Behind a proxy with 0, every client shares the proxy's
     * address (one per-IP bucket; the API warns once). Default 0.
     */
    trust_proxy: z.number().int().min(0).max(10).default(0),
    /** Rooms one Socket.IO connection may be in at once; a handshake or `subscribe` asking for more is refused (ERROR_CODE.tooManyRooms). Default 50. */
    socket_max_rooms: z.number().int().min(1).max(10_000).default(50),
    /** How long POST /api/system/ping waits for its event. Default 5000 ms. */
    ping_timeout_ms: positiveMs.default(5000),
  })
  .strict();

const user = z
  .object({
    name: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/, 'letters, digits and _.@- only'),
    role: z.enum(ROLES as [string, ...string[]]).refine((r) => r !== 'agent', 'a user cannot have the agent role'),
    /**
     * `scrypt$N$r$p$<salt b64>$<hash b64>`, made by `nox user passwd` / `hashPassword()`. Kept in
     * the secrets file (`[auth.password_hashes]`, by user name), never in system-config.toml;
     * a user without one cannot log in.
     */
    password_hash: z.string().startsWith('scrypt$', 'must be a scrypt hash (scrypt$...)').optional(),
  })
  .strict();

export const authSection = z
  .object({
    /** HMAC secret for JWTs (HS256). Required; a secret: in the secrets file or NOX_JWT_SECRET (`nox up` generates one on first run). */
    jwt_secret: z.string().min(32, 'must be at least 32 characters').optional(),
    /** Lifetime of a login token. Default `12h`. */
    token_ttl: z.string().regex(/^\d+[smhd]$/, 'must look like 30m, 12h or 7d').default('12h'),
    /** People who can log in. Default: none (mint tokens with `nox token`). */
    users: z.array(user).default([]),
    /** Failed logins in a row, per user name (across API nodes), before it is locked out. Default 5. */
    login_lockout_after: z.number().int().min(1).max(1000).default(5),
    /** The first lockout; each further failure doubles it (up to `login_lockout_max_ms`). Default 30000 ms. */
    login_lockout_ms: positiveMs.default(30_000),
    /** The longest lockout. Default 900000 ms (15 minutes). */
    login_lockout_max_ms: positiveMs.default(900_000),
  })
  .strict()
  .refine((a) => a.login_lockout_max_ms >= a.login_lockout_ms, {
    message: 'login_lockout_max_ms must be at least login_lockout_ms',
    path: ['login_lockout_max_ms'],
  });

export const rateLimitSection = z
  .object({
    /** Window of every limit. Default 60000 ms. */
    window_ms: positiveMs.default(60_000),
    /** Requests per window per user (or IP when anonymous). Default 1200. */
    max: z.number().int().positive().default(1200),
    /** Login attempts per window per IP. Default 10. */
    login_max: z.number().int().positive().default(10),
    /** Requests with a bad token (forged, expired, revoked) per window per client address; more get 429 without being verified. Default 30. */
    bad_token_max: z.number().int().positive().default(30),
    /** Git smart-HTTP requests (the served mirror's fetches and pushes) per window per host credential, counted apart from `max`, so a host pushing many agents' branches does not use up its address's limit. Default 12000. */
    git_max: z.number().int().positive().default(12_000),
  })
  .strict();

export const workerSection = z
  .object({
    /**
     * The host credential this host joins with (`nox host token`; docs/HOSTS.md, "Joining a
     * host"): with it, the host takes its id and labels from the credential, asks the API for
     * each agent's token, and holds no signing key (`auth.jwt_secret` is dropped if given). A
     * secret: env `NOX_HOST_TOKEN` or the secrets file's `[worker] host_token`. Default none
     * (the host mints agent tokens with `auth.jwt_secret`, as `nox up`'s host does).
     */
    host_token: z.string().regex(/^noxh_[0-9a-f]{16}_[0-9a-f]{64}$/, 'must be a host credential as `nox host token` printed it (noxh_…)').optional(),
    /** Host id. Default: derived from the hostname and pid. */
    host_id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'must match ^[a-z0-9][a-z0-9-]{0,62}$').optional(),
    /** How many agents this host runs at most. Default 10. */
    capacity: z.number().int().min(0).max(10_000).default(10),
    /** Placement labels, e.g. `{ gpu = "no", zone = "a" }`. Default none. */
    labels: z.record(z.string().regex(/^[a-z0-9_.-]{1,63}$/), z.string().max(63)).default({}),
    /** Heartbeat period. Default 2000 ms. */
    heartbeat_interval_ms: positiveMs.default(2000),
    /** A host whose heartbeat is older than this is dead. Default 10000 ms. */
    heartbeat_ttl_ms: positiveMs.default(10_000),
    /** SIGTERM to exit: active jobs get this long, then are handed back to the queue. Default 10000 ms. */
    shutdown_timeout_ms: positiveMs.default(10_000),
    /** Jobs one host works on at once per shared queue. Default 8. */
    concurrency: z.number().int().min(1).max(1000).default(8),
    /**
     * A job's lock (BullMQ lockDuration, renewed at half of it while the job runs): the job of
     * a host that died goes back to the queue at most about this long after, when another
     * host's stalled-job check (same interval) finds it. Default 30000 ms.
     */
    job_lock_ms: z.number().int().min(1000).max(600_000).default(30_000),
    /** Port of this host's Prometheus `/metrics` (docs/OBSERVABILITY.md). Default: none (off). */
    metrics_port: z.number().int().min(0).max(65_535).optional(),
    /** Address the host's `/metrics` listens on. Default 127.0.0.1. */
    metrics_host: z.string().min(1).default('127.0.0.1'),
  })
  .strict()
  .refine((w) => w.heartbeat_ttl_ms > w.heartbeat_interval_ms, {
    message: 'heartbeat_ttl_ms must be greater than heartbeat_interval_ms',
    path: ['heartbeat_ttl_ms'],
  });

/** The audit trail (docs/OBSERVABILITY.md, "Audit trail"). */
export const auditSection = z
  .object({
    /** Days the recent window in Redis keeps (what `GET /api/audit` reads); the registry's `audit/` day files keep everything. Default 30. */
    retention_days: z.number().int().min(1).max(3650).default(30),
    /** Also keep every entry in the registry (`audit/<YYYY-MM-DD>.toml`, batched commits). Default true. */
    registry: z.boolean().default(true),
    /**
     * Actions kept in the Redis window only, not in the registry: message sends, by default —
     * the registry keeps every message in the conversations of its sender and recipients
     * already, and at a thousand a second the audit day files would double that.
     */
    registry_skip: z.array(z.string().max(200)).default(['POST /api/messages', 'POST /api/messages/batch', 'POST /api/topics/:topic/messages']),
  })
  .strict();

/** Cost over time (docs/OBSERVABILITY.md, "Cost over time"). */
export const costsSection = z
  .object({
    /** Days the per-day, per-agent cost and tokens are kept. Default 400. */
    retention_days: z.number().int().min(1).max(3650).default(400),
  })
  .strict();

/** Budgets beyond one agent (docs/AGENTS.md, "Budgets"); an agent's own is its `max_budget_usd`. */
export const budgetsSection = z
  .object({
    /** What the whole fleet may spend per UTC day; reached, no agent takes a new turn until the next day. Default: none. */
    fleet_daily_usd: z.number().positive().optional(),
    /** How long a budget check's sums are reused (they read Redis and the agent list). Default 1000 ms. */
    check_cache_ms: z.number().int().min(0).max(60_000).default(1000),
  })
  .strict();

/** "Needs you" (docs/DASHBOARD.md, "Needs you"; GET /api/attention): what asks for a person besides approvals. */
export const attentionSection = z
  .object({
    /** A parked agent (a usage limit, until its reset) needs a person once it has been parked this long. Default 900000 ms (15 min). */
    parked_after_ms: z.number().int().min(0).default(900_000),
    /** Also POST agents that need a person (failed, stalled, parked past the threshold, over budget) to `approvals.webhook_url`. Default true. */
    webhook: z.boolean().default(true),
    /** One host keeps the index from the status events, holding a lease in Redis with this TTL; another takes over within it when that host dies. Default 15000 ms. */
    lease_ms: positiveMs.default(15_000),
  })
  .strict();

/** Prometheus scrapes (docs/OBSERVABILITY.md): who may read `/metrics`. */
export const metricsSection = z
  .object({
    /**
     * Addresses (CIDR) that may scrape without a token. Default loopback only. A scrape from
     * elsewhere needs `Authorization: Bearer <scrape_token>`.
     */
    allow: z
      .array(z.string().regex(/^[0-9a-fA-F:.]+\/\d{1,3}$/, 'must be an address with a prefix length, e.g. 10.0.0.0/8'))
      .default(['127.0.0.1/32', '::1/128']),
    /** The scrape token: a secret, so it lives in the secrets file (`[metrics] scrape_token`) or NOX_METRICS_TOKEN, never here. */
    scrape_token: z.string().min(16, 'must be at least 16 characters').optional(),
    /** Series per agent (turns, tokens, cost, CPU, memory). Off for very large fleets whose Prometheus should not hold a series per agent. Default true. */
    per_agent: z.boolean().default(true),
  })
  .strict();

export const eventsSection = z
  .object({
    /** Approximate length the event stream is trimmed to. Default 10000. */
    stream_max_len: z.number().int().min(100).default(10_000),
  })
  .strict();

export const logSection = z
  .object({
    /** winston level. Default `info`. `silent` turns logging off. */
    level: z.enum(['error', 'warn', 'info', 'http', 'verbose', 'debug', 'silly', 'silent']).default('info'),
  })
  .strict();

export const queuesSection = z
  .object({
    /** Completed jobs kept per queue (count). Default 1000. */
    keep_completed: z.number().int().min(0).default(1000),
    /** Failed jobs kept per queue (count). Default 5000. */
    keep_failed: z.number().int().min(0).default(5000),
    /** Attempts for a retryable job. Default 3. */
    attempts: z.number().int().min(1).max(100).default(3),
  })
  .strict();

export const registrySection = z
  .object({
    /** Batched appends (conversation lines, resource samples) are committed at least this often. Default 2000 ms. */
    flush_interval_ms: positiveMs.default(2000),
    /** ...or as soon as this many entries are waiting; also the most entries in one commit. Default 200. */
    flush_max_entries: z.number().int().min(1).max(100_000).default(200),
    /** Most changes in one commit: changes waiting together in the `registry` queue are committed together (group commit; docs/REGISTRY.md). 1 = one commit per change. Default 100. */
    group_max: z.number().int().min(1).max(10_000).default(100),
    /** ...and at most this many bytes of change requests in one commit (a single larger change still commits, alone). Default 4000000. */
    group_max_bytes: z.number().int().min(1).default(4_000_000),
    /** How long `RegistryClient.change()` waits for its commit. Default 30000 ms. */
    commit_timeout_ms: positiveMs.default(30_000),
    /** Git remote (URL or path) `POST /api/registry/backup` pushes every branch to. Default: none. */
    backup_remote: z.string().min(1).max(1000).optional(),
    /** Branch a new registry repository starts on. Default `main`. */
    default_branch: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,62}$/).default('main'),
    /** resource-usage.toml keeps only the newest samples. Default 10000. */
    resource_samples_kept: z.number().int().min(1).default(10_000),
    /** The writer's lease in Redis (one writer at a time); renewed every third of it. Default 15000 ms. */
    writer_lease_ms: positiveMs.default(15_000),
    /**
     * Where this process reads the registry from (docs/HOSTS.md): `redis` — what the writer
     * published, so a host on another machine with no registry folder sees every file;
     * `folder` — the folder itself; `auto` (default) — the folder when it is the writer's (a
     * git repository here), Redis otherwise. The writer's own process always reads its
     * folder. Env NOX_REGISTRY_READS.
     */
    reads: z.enum(['auto', 'redis', 'folder']).default('auto'),
    /** A host reading from Redis logs "waiting for the registry writer" this often until the writer has published. Default 5000 ms. */
    wait_log_interval_ms: positiveMs.default(5000),
  })
  .strict();

/** How worker hosts run and supervise agents (issue 4; docs/AGENTS.md). */
export const agentSection = z
  .object({
    /** The agent program. Default `claude` (found on PATH); tests and the demo point it at a stand-in. */
    command: z.string().min(1).default('claude'),
    /** Arguments put before Nox's own (e.g. the stand-in script's path when command is `node`). Default none. */
    args: z.array(z.string()).default([]),
    /**
     * Extra environment for every agent process (e.g. ANTHROPIC_BASE_URL), on top of the
     * allowlist (docs/SANDBOX.md, "Environment"). REDIS_URL, DOCKER_HOST, NOX_TOKEN, NOX_HOST_TOKEN and any
     * NOX_*SECRET* / NOX_*PASSWORD* are refused. Default none.
     */
    env: z
      .record(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/), z.string())
      .refine((env) => !Object.keys(env).some(isWithheldFromAgents), { message: 'names a variable agents must never get (REDIS_URL, DOCKER_HOST, NOX_TOKEN, NOX_HOST_TOKEN, NOX_*SECRET*, NOX_*PASSWORD*)' })
      .default({}),
    /** API URL agents use (NOX_API_URL). Default `http://127.0.0.1:<api.port>`. Inside the sandbox it is reached through a forward (docs/SANDBOX.md). */
    api_url: z.string().url().optional(),
    /**
     * How every agent's process tree is contained (docs/SANDBOX.md). `bubblewrap` (default): a
     * fresh root with the system read-only, only the agent's own folders writable, no network
     * but the API, the model and `network_allow`; a host that cannot run it fails its agents
     * with the reason instead of starting them bare. `off`: agents run as the worker's user
     * with the worker's view of the machine — said loudly in the log, `nox doctor` and the
     * dashboard. Env `NOX_AGENT_SANDBOX`.
     */
    sandbox: z.enum(['bubblewrap', 'off']).default('bubblewrap'),
    /**
     * Folder of the agents' working folders, one per agent (`<workspace_root>/<agent id>`, the
     * default workdir). Relative paths are taken from the registry folder's parent. Default
     * `.nox-work` beside the registry folder — never inside the registry's git. Env
     * `NOX_AGENT_WORKSPACE_ROOT`.
     */
    workspace_root: z.string().min(1).optional(),
    /**
     * More `host:port` pairs agents may reach through their sandbox's HTTPS proxy (HTTP
     * CONNECT), beyond the model endpoint and Nox's API. Link-local and metadata addresses,
     * Redis, the container engine and loopback ports other than the forwarded ones are
     * refused even when named here. Default none.
     */
    network_allow: z.array(z.string().regex(/^[A-Za-z0-9.-]+:\d{1,5}$|^\[[0-9A-Fa-f:.]+\]:\d{1,5}$/, 'must be host:port')).max(200).default([]),
    /** More paths the sandbox shows read-only (e.g. a toolchain outside /usr). Default none. */
    sandbox_read: z.array(z.string().startsWith('/', 'must be an absolute path')).max(200).default([]),
    /** The bubblewrap program. Default `bwrap` (from PATH). Env `NOX_BWRAP`. */
    bwrap_path: z.string().min(1).default('bwrap'),
    /** The socat program the sandbox starts its endpoints with. Default `socat` (from PATH). Env `NOX_SOCAT`. */
    socat_path: z.string().min(1).default('socat'),
    /** Lifetime of each agent's own scoped token. Default `7d` (a new one is minted on every start). */
    token_ttl: z.string().regex(/^\d+[smhd]$/, 'must look like 30m, 12h or 7d').default('7d'),
    /** TERM, then KILL after this long, when stopping an agent. Default 5000 ms. */
    stop_grace_ms: positiveMs.default(5000),
    /**
     * The largest CLI session transcript mirrored to Redis as turns end, so the agent can
     * continue its session on another host (docs/HOSTS.md, "Sessions"). A larger one is not
     * mirrored (a warning says so) and the agent starts a new session if it moves. Default
     * 16 MiB (stored gzipped).
     */
    session_mirror_max_bytes: z.number().int().min(1024).default(16 * 1024 * 1024),
    /** First restart delay after a crash; doubles each time. Default 1000 ms. */
    restart_backoff_ms: positiveMs.default(1000),
    /** Longest restart delay. Default 60000 ms. */
    restart_backoff_max_ms: positiveMs.default(60_000),
    /** Crashes within `circuit_window_ms` that open the circuit breaker (status failed). Default 5. */
    circuit_max_crashes: z.number().int().min(1).max(1000).default(5),
    /** Window the crashes are counted in. Default 600000 ms (10 min). */
    circuit_window_ms: positiveMs.default(600_000),
    /** How long a tool-permission question may stay open before Nox denies it. Default 300000 ms. */
    permission_timeout_ms: positiveMs.default(300_000),
    /**
     * The model the CLI switches to when the main one is overloaded (`--fallback-model`; the
     * CLI says so with `system/model_fallback`, published as `agent.model-fallback`). Not
     * passed when it is the agent's own model. Default none.
     */
    fallback_model: z.string().min(1).optional(),
    /**
     * How long an agent stays `parked` after a usage or rate limit when the CLI gives no reset
     * time (no `resetsAt`): the CLI's last retry delay, else this; doubled for each further
     * limit before a turn succeeds, up to `park_max_ms`. Default 60000 ms.
     */
    park_default_ms: positiveMs.default(60_000),
    /** The longest such wait (a reset time the CLI gives is kept as it is). Default 3600000 ms (1 h). */
    park_max_ms: positiveMs.default(3_600_000),
    /** A turn with no output for this long while its process lives makes the agent `stalled`. Default 600000 ms (10 min). */
    stall_after_ms: positiveMs.default(600_000),
    /**
     * What Nox does to a stalled turn: `none` (the status and `agent.stalled` only),
     * `interrupt` (the CLI's interrupt control request: the turn ends, the next one runs) or
     * `restart` (the process, with `--resume`; not a crash). Default `none`.
     */
    stall_action: z.enum(['none', 'interrupt', 'restart']).default('none'),
    /** Turns queued for an agent while it works; more are refused. Default 100. */
    max_queued_turns: z.number().int().min(1).max(100_000).default(100),
    /** Spawns per hour over the whole cluster. Default 120. */
    max_spawn_rate: z.number().int().min(1).default(120),
    /** Spawns per hour of children of one parent agent. Default 20. */
    max_spawn_rate_per_parent: z.number().int().min(1).default(20),
    /** Deepest hierarchy: an agent without a parent has depth 0. Default 3. */
    max_depth: z.number().int().min(0).max(100).default(3),
    /** Health monitor period: one pidusage call for every agent process tree. Default 5000 ms. */
    sampling_interval_ms: positiveMs.default(5000),
    /** Consecutive samples over max_cpu_percent before an agent is throttled. Default 3. */
    cpu_sustain_samples: z.number().int().min(1).max(100).default(3),
    /** Run/pause cycle of a throttled agent (SIGCONT ... SIGSTOP). Default 1000 ms. */
    throttle_period_ms: positiveMs.default(1000),
    /** Conversation entries are flushed in batches at least this often. Default 1000 ms. */
    conversation_flush_ms: positiveMs.default(1000),
    /** Conversation entries kept per agent in Redis (the recent window the API pages). Default 5000. */
    conversation_keep: z.number().int().min(10).default(5000),
    /** Where agent configs live: `registry` (agents.toml, needs the registry writer) or `redis`. Default `registry`. */
    store: z.enum(['registry', 'redis']).default('registry'),
    /** Also append conversation entries (agents/<id>/conversations/<day>.toml) and resource samples (resource-usage.toml) to the registry, batched; needs the registry writer. Default true. */
    registry_appends: z.boolean().default(true),
    /** When a host dies, the host that sees it first moves its running agents to live hosts (through the spawn queue). Default true. */
    failover: z.boolean().default(true),
    /** One resource sample per agent to resource-usage.toml at most this often. Default 60000 ms. */
    registry_samples_interval_ms: positiveMs.default(60_000),
  })
  .strict()
  .refine((a) => a.restart_backoff_max_ms >= a.restart_backoff_ms, {
    message: 'restart_backoff_max_ms must be at least restart_backoff_ms',
    path: ['restart_backoff_max_ms'],
  });

export const messagesSection = z
  .object({
    /** Most waiting messages delivered together as one turn (a critical message always goes alone). Default 50. */
    batch_max: z.number().int().min(1).max(500).default(50),
    /** A batched turn stops growing at this many characters of message content (one message always fits). Default 200000. */
    batch_max_chars: z.number().int().min(1000).default(200_000),
    /** How long a message (and its log entry) is kept in Redis. Default 7 days. */
    keep_ms: positiveMs.default(7 * 24 * 3600 * 1000),
    /** Most messages kept in the message log (all agents). Default 100000. */
    log_max: z.number().int().min(100).default(100_000),
    /** Delivered-message marks kept per agent (the exactly-once window). Default 100000. */
    delivered_keep: z.number().int().min(1000).default(100_000),
    /** Most messages one request may address (broadcast/topic fan-out). Default 1000. */
    max_recipients: z.number().int().min(1).default(1000),
    /** Routing jobs (`messages` queue) each host runs at once; they wait on Redis, so many in flight share each round trip. Default 64. */
    route_concurrency: z.number().int().min(1).max(1000).default(64),
    /** How often each host looks for inboxes of its idle agents that no job announced (a lost wake-up). Default 2000 ms. */
    sweep_interval_ms: positiveMs.default(2000),
  })
  .strict();

export const tasksSection = z
  .object({
    /** How long the API waits for a tasks job to finish before answering 504. Default 15000 ms. */
    wait_ms: positiveMs.default(15_000),
    /** How often the hosts look for passed deadlines. Default 5000 ms. */
    deadline_check_ms: positiveMs.default(5000),
  })
  .strict();

/** Approvals: the policy and how a question waits for a person (issue 6; docs/APPROVALS.md). */
export const approvalsSection = z
  .object({
    /**
     * Ordered policy rules, first match wins (shared/approvals/policy.ts). Default: tool uses
     * up to medium risk and any low-risk request are approved; everything else asks.
     */
    rules: z.array(policyRuleSchema).max(1000).default(() => DEFAULT_RULES.map((r) => ({ ...r }))),
    /** Rules added by approving with "remember" (one agent, one tool or pattern); checked first. Default none. */
    remembered: z.array(policyRuleSchema).max(10_000).default([]),
    /** A question nobody decides is denied after this long. Default 300000 ms (5 min). */
    timeout_ms: positiveMs.default(300_000),
    /** Slack-compatible incoming-webhook URL that gets a "needs you" POST for every question that asks a person. A secret (the URL is the credential): in the secrets file. Default: none. */
    webhook_url: z.string().url().optional(),
    /** How long the webhook POST may take. Default 5000 ms. */
    webhook_timeout_ms: positiveMs.default(5000),
    /** Attempts of each webhook POST (an `approval.webhook` job on the approvals queue). Default 3. */
    webhook_attempts: z.number().int().min(1).max(20).default(3),
    /** Delay before the second attempt; each later one waits twice as long. Default 2000 ms. */
    webhook_backoff_ms: positiveMs.default(2000),
    /** Dashboard base URL put in the webhook text as a link. Default: none. */
    dashboard_url: z.string().url().optional(),
    /** Decided approvals kept in Redis for the API (the registry keeps every one). Default 10000. */
    keep_decided: z.number().int().min(10).default(10_000),
    /** How often each host re-sends decisions whose history line or conversation entry was not written. Default 5000 ms. */
    sweep_interval_ms: positiveMs.default(5000),
    /**
     * Four eyes: a person may not approve an approval they asked for themselves (a deletion,
     * an MCP install, a request on behalf of an agent); another person must. Denying stays
     * allowed. Read live like the rules. Default false.
     */
    require_second_person: z.boolean().default(false),
  })
  .strict();
