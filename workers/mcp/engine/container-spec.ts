import type Docker from 'dockerode';
import { ValidationError } from '../../../shared/errors/validation-error.js';
import { assertMountsAllowed } from '../../../shared/mcp/mount-policy.js';
import { ownerLabels, type SessionOwner } from './labels.js';
import { WRITABLE_ROOT_LABEL, type EnvValue, type McpRunSpec } from '../../../shared/mcp/run-spec.js';

/**
 * Turns a run spec into the engine's create-container request. The isolation every MCP
 * container gets, whatever its catalog entry says:
 * - labels `nox.managed`, `nox.agent`, `nox.service`, `nox.host`, `nox.process`,
 *   `nox.session` (labels.ts);
 * - memory (no extra swap), CPU and pids limits;
 * - every capability dropped, `no-new-privileges`;
 * - read-only root where the image allows (a writable tmpfs /tmp either way);
 * - network `none` unless the policy names an internal network;
 * - stdin open and closed with the attach (OpenStdin + StdinOnce), and never a TTY: a TTY
 *   would echo input and rewrite line endings, corrupting JSON-RPC;
 * - AutoRemove: gone once it has exited, whoever ended it.
 */
export interface BuildSpecInput {
  spec: McpRunSpec;
  /** the worker host process and the session that will own the container */
  owner: SessionOwner;
  /** labels of the image (from inspectImage), to honour `nox.writable-root` */
  imageLabels?: Record<string, string>;
  /** env values resolved from `{ fromEnv }` references */
  sourceEnv: NodeJS.ProcessEnv;
  /** size of the /tmp tmpfs. Default 64 MiB. */
  tmpfsMb?: number;
  /** container name; default derived from agent and service plus a random suffix */
  name?: string;
}

const MIB = 1024 * 1024;

export function buildContainerSpec(input: BuildSpecInput): Docker.ContainerCreateOptions {
  const { spec } = input;
  // Never an engine socket, system folder or link to one, whatever the spec says (the allowlist was checked where the spec was resolved).
  assertMountsAllowed(spec.mounts, {});
  const readOnly = spec.readOnlyRoot === 'auto' ? input.imageLabels?.[WRITABLE_ROOT_LABEL] !== 'true' : spec.readOnlyRoot;
  const tmpfsMb = input.tmpfsMb ?? 64;
  const memory = spec.limits.memoryMb * MIB;
  const options: Docker.ContainerCreateOptions = {
    name: input.name,
    Image: spec.image,
    Labels: ownerLabels({ agentId: spec.agentId, service: spec.service, hostId: spec.hostId, ...input.owner }),
    Env: resolveEnv(spec.env, input.sourceEnv),
    AttachStdin: true,
    AttachStdout: true,
    AttachStderr: true,
    OpenStdin: true,
    StdinOnce: true,
    Tty: false,
    HostConfig: {
      Memory: memory,
      // Equal to Memory: no swap on top of the limit.
      MemorySwap: memory,
      NanoCpus: Math.round(spec.limits.cpus * 1e9),
      PidsLimit: spec.limits.pids,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      ReadonlyRootfs: readOnly,
      Tmpfs: { '/tmp': `rw,nosuid,nodev,noexec,size=${tmpfsMb}m` },
      NetworkMode: spec.network === 'none' ? 'none' : spec.network.internal,
      Binds: spec.mounts.map((m) => `${m.source}:${m.target}:${m.readOnly ? 'ro' : 'rw'}`),
      // A tiny init as PID 1 (docker-init / catatonit): signals reach the server and its
      // children are reaped — many MCP servers are npx/uvx wrappers around a child.
      Init: true,
      // The engine removes it once it has exited — also when the host process that runs
      // the session dies: the attach connection drops, StdinOnce closes the server's
      // stdin, the server exits, the engine removes it. The session still stop-wait-removes
      // on its own path (idempotent; Podman refuses a remove mid-exit).
      AutoRemove: true,
      RestartPolicy: { Name: 'no' },
    },
  };
  if (spec.entrypoint) options.Entrypoint = spec.entrypoint;
  if (spec.command) options.Cmd = spec.command;
  if (spec.workdir) options.WorkingDir = spec.workdir;
  if (spec.user) options.User = spec.user;
  if (spec.network !== 'none') options.NetworkingConfig = { EndpointsConfig: { [spec.network.internal]: {} } };
  return options;
}

/** `{ K: 'v', S: { fromEnv: 'X' } }` → `['K=v', 'S=<value of X>']`; a missing reference is an error, never an empty secret. */
export function resolveEnv(env: Record<string, EnvValue>, source: NodeJS.ProcessEnv): string[] {
  const out: string[] = [];
  const missing: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (typeof value === 'string') out.push(`${name}=${value}`);
    else if (source[value.fromEnv] === undefined) missing.push(`${name} (from ${value.fromEnv})`);
    else out.push(`${name}=${source[value.fromEnv]}`);
  }
  if (missing.length > 0) {
    throw new ValidationError(`MCP service env refers to unset variables: ${missing.join(', ')}`, missing.map((m) => ({ path: `env.${m.split(' ')[0]}`, message: 'referenced variable is not set', code: 'missing_env' })));
  }
  return out;
}

/** A readable, unique container name: `nox-mcp-<agent>-<service>-<suffix>`. */
export function containerName(spec: Pick<McpRunSpec, 'agentId' | 'service'>, suffix: string): string {
  return `nox-mcp-${spec.agentId}-${spec.service}-${suffix}`.slice(0, 120);
}
