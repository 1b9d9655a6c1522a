/**
 * Environment variables that override system-config.toml. One table, so the docs and
 * the loader agree. Values are parsed by `kind` before validation.
 */
export interface EnvOverride {
  env: string;
  /** dotted path in the config */
  path: string;
  kind: 'string' | 'int' | 'labels';
}

export const ENV_OVERRIDES: readonly EnvOverride[] = [
  { env: 'REDIS_URL', path: 'redis.url', kind: 'string' },
  { env: 'NOX_REDIS_PREFIX', path: 'redis.prefix', kind: 'string' },
  { env: 'NOX_API_HOST', path: 'api.host', kind: 'string' },
  { env: 'PORT', path: 'api.port', kind: 'int' },
  { env: 'NOX_PORT', path: 'api.port', kind: 'int' },
  { env: 'NOX_JWT_SECRET', path: 'auth.jwt_secret', kind: 'string' },
  { env: 'NOX_REDIS_PASSWORD', path: 'redis.password', kind: 'string' },
  { env: 'NOX_METRICS_TOKEN', path: 'metrics.scrape_token', kind: 'string' },
  { env: 'NOX_METRICS_PORT', path: 'worker.metrics_port', kind: 'int' },
  { env: 'NOX_HOST_ID', path: 'worker.host_id', kind: 'string' },
  { env: 'NOX_HOST_TOKEN', path: 'worker.host_token', kind: 'string' },
  { env: 'NOX_REGISTRY_READS', path: 'registry.reads', kind: 'string' },
  { env: 'NOX_WORKER_CAPACITY', path: 'worker.capacity', kind: 'int' },
  { env: 'NOX_WORKER_LABELS', path: 'worker.labels', kind: 'labels' },
  { env: 'NOX_HEARTBEAT_INTERVAL_MS', path: 'worker.heartbeat_interval_ms', kind: 'int' },
  { env: 'NOX_HEARTBEAT_TTL_MS', path: 'worker.heartbeat_ttl_ms', kind: 'int' },
  { env: 'NOX_SHUTDOWN_TIMEOUT_MS', path: 'worker.shutdown_timeout_ms', kind: 'int' },
  { env: 'NOX_AGENT_SANDBOX', path: 'agent.sandbox', kind: 'string' },
  { env: 'NOX_AGENT_WORKSPACE_ROOT', path: 'agent.workspace_root', kind: 'string' },
  { env: 'NOX_BWRAP', path: 'agent.bwrap_path', kind: 'string' },
  { env: 'NOX_SOCAT', path: 'agent.socat_path', kind: 'string' },
  { env: 'LOG_LEVEL', path: 'log.level', kind: 'string' },
  { env: 'NOX_LOG_LEVEL', path: 'log.level', kind: 'string' },
];

/** `a=1,b=2` → `{ a: '1', b: '2' }` */
export function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    if (eq <= 0) throw new Error(`label "${part}" must be key=value`);
    out[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
  }
  return out;
}
