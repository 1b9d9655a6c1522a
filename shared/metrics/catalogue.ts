/**
 * Every metric Nox exports, once: name, kind, help and labels (docs/OBSERVABILITY.md's table
 * is this list; test/metrics/catalogue-docs.test.ts checks both). Code names a metric as
 * `METRIC.<name>`, never by its string, so a rename is one line and a typo does not compile.
 *
 * Where a metric is measured says which process exports it: `api` on the API's `/metrics`,
 * `worker` on a worker host's `worker.metrics_port`, `both` on each. Fleet-wide gauges (queue
 * depth, agents by status, approvals pending) are read from Redis by every API node at scrape
 * time: with several API nodes, aggregate them with `max`, not `sum`.
 */
export type MetricKind = 'counter' | 'gauge' | 'histogram';

export interface MetricDef<K extends MetricKind = MetricKind> {
  readonly name: string;
  readonly kind: K;
  readonly help: string;
  readonly labels: readonly string[];
  readonly where: 'api' | 'worker' | 'both';
  /** histogram buckets, in the metric's unit */
  readonly buckets?: readonly number[];
}

const def = <K extends MetricKind>(d: MetricDef<K>): MetricDef<K> => d;

/** seconds: from a fast HTTP answer to a slow git commit */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
/** seconds: jobs run from a ping (ms) to a deletion that waits for a process (tens of seconds) */
const JOB_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 15, 60, 300];

export const METRIC = {
  // the API
  httpRequests: def({ name: 'nox_http_requests_total', kind: 'counter', help: 'HTTP requests answered, by method, route template and status', labels: ['method', 'route', 'status'], where: 'api' }),
  httpDuration: def({ name: 'nox_http_request_duration_seconds', kind: 'histogram', help: 'Time from a request arriving to its answer being written, by method and route template', labels: ['method', 'route'], where: 'api', buckets: LATENCY_BUCKETS }),
  socketConnections: def({ name: 'nox_socket_connections', kind: 'gauge', help: 'Socket.IO connections open on this API node', labels: [], where: 'api' }),
  // the fleet, read from Redis at scrape time by the API
  queueJobs: def({ name: 'nox_queue_jobs', kind: 'gauge', help: 'Jobs in each queue by state (waiting, prioritized, delayed, active, failed, completed kept)', labels: ['queue', 'state'], where: 'api' }),
  agentsByStatus: def({ name: 'nox_agents', kind: 'gauge', help: 'Agents that have run, by runtime status (idle, working, stopped, failed ...)', labels: ['status'], where: 'api' }),
  approvalsPending: def({ name: 'nox_approvals_pending', kind: 'gauge', help: 'Approvals waiting for a decision', labels: [], where: 'api' }),
  eventStreamLength: def({ name: 'nox_event_stream_length', kind: 'gauge', help: 'Entries in the domain event stream (trimmed to events.stream_max_len)', labels: [], where: 'api' }),
  hostsAlive: def({ name: 'nox_hosts_alive', kind: 'gauge', help: 'Worker hosts heartbeating', labels: [], where: 'api' }),
  // the work, counted where it happens
  jobDuration: def({ name: 'nox_job_duration_seconds', kind: 'histogram', help: 'Job handler run time on this worker host, by queue kind, job name and outcome (ok, failed)', labels: ['queue', 'job', 'outcome'], where: 'worker', buckets: JOB_BUCKETS }),
  jobFailures: def({ name: 'nox_job_failures_total', kind: 'counter', help: 'Job handler runs that threw (each attempt), by queue kind and job name', labels: ['queue', 'job'], where: 'worker' }),
  agentTurns: def({ name: 'nox_agent_turns_total', kind: 'counter', help: 'Turns an agent finished on this host', labels: ['agent'], where: 'worker' }),
  agentTokens: def({ name: 'nox_agent_tokens_total', kind: 'counter', help: 'Model tokens an agent used on this host, by kind (input, output, cache_read, cache_creation)', labels: ['agent', 'kind'], where: 'worker' }),
  agentCost: def({ name: 'nox_agent_cost_usd_total', kind: 'counter', help: 'US dollars an agent spent on this host (as the CLI reports)', labels: ['agent'], where: 'worker' }),
  agentCpu: def({ name: 'nox_agent_cpu_percent', kind: 'gauge', help: "CPU use of an agent's process tree at the last sample (100 = one core)", labels: ['agent'], where: 'worker' }),
  agentMemory: def({ name: 'nox_agent_memory_bytes', kind: 'gauge', help: "Resident memory of an agent's process tree at the last sample", labels: ['agent'], where: 'worker' }),
  agentsRunning: def({ name: 'nox_host_agents_running', kind: 'gauge', help: 'Agent processes this host runs', labels: [], where: 'worker' }),
  messagesRouted: def({ name: 'nox_messages_routed_total', kind: 'counter', help: 'Messages routed to their recipients, by priority', labels: ['priority'], where: 'worker' }),
  messagesDelivered: def({ name: 'nox_messages_delivered_total', kind: 'counter', help: "Messages delivered into an agent's turn on this host, by priority", labels: ['priority'], where: 'worker' }),
  approvalsRequested: def({ name: 'nox_approvals_requested_total', kind: 'counter', help: 'Approvals opened, by type', labels: ['type'], where: 'both' }),
  approvalsDecided: def({ name: 'nox_approvals_decided_total', kind: 'counter', help: 'Approvals decided, by decision (approved, denied, timed-out ...)', labels: ['decision'], where: 'both' }),
  registryCommitDuration: def({ name: 'nox_registry_commit_duration_seconds', kind: 'histogram', help: 'Time the registry writer takes to commit a group of changes (apply, git add, git commit)', labels: [], where: 'worker', buckets: LATENCY_BUCKETS }),
  registryChanges: def({ name: 'nox_registry_changes_total', kind: 'counter', help: 'Registry changes committed by the writer on this host', labels: [], where: 'worker' }),
} as const;

export type MetricName = keyof typeof METRIC;
