/**
 * Labels on every container Nox creates for an MCP service. The watcher finds, reports
 * and reaps containers by these alone, so a container is never touched unless it carries
 * `nox.managed=true` — and a host only reaps its own (`nox.host`).
 */
export const LABEL = {
  managed: 'nox.managed',
  agent: 'nox.agent',
  service: 'nox.service',
  /** worker host whose agent uses the container */
  host: 'nox.host',
  /** `<pid>:<start time>` of the worker host process that runs the session (liveness survives pid reuse) */
  process: 'nox.process',
  /** the session's id within that process: one agent connection = one session = one container */
  session: 'nox.session',
} as const;

/** Who runs a container's session: the worker host process, and the session within it. */
export interface SessionOwner {
  /** `<pid>:<start time>` (process-identity.ts) */
  process: string;
  session: string;
}

export interface ContainerOwner extends SessionOwner {
  agentId: string;
  service: string;
  hostId: string;
}

export function ownerLabels(owner: ContainerOwner): Record<string, string> {
  return {
    [LABEL.managed]: 'true',
    [LABEL.agent]: owner.agentId,
    [LABEL.service]: owner.service,
    [LABEL.host]: owner.hostId,
    [LABEL.process]: owner.process,
    [LABEL.session]: owner.session,
  };
}

/** Reads the owner back from a container's labels; undefined when it is not ours. */
export function ownerFromLabels(labels: Record<string, string> | undefined): ContainerOwner | undefined {
  if (!labels || labels[LABEL.managed] !== 'true') return undefined;
  return {
    agentId: labels[LABEL.agent] ?? '',
    service: labels[LABEL.service] ?? '',
    hostId: labels[LABEL.host] ?? '',
    process: labels[LABEL.process] ?? '',
    session: labels[LABEL.session] ?? '',
  };
}

/** A `filters` value for GET /containers/json: every given label must match. */
export function labelFilter(match: Partial<Record<keyof typeof LABEL, string>>): string {
  const label = [`${LABEL.managed}=true`];
  for (const [key, value] of Object.entries(match)) {
    if (value !== undefined) label.push(`${LABEL[key as keyof typeof LABEL]}=${value}`);
  }
  return JSON.stringify({ label });
}
