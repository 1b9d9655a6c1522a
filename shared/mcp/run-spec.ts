import { z } from 'zod';

/**
 * What it takes to run one MCP service container for one agent: the resolved form of a
 * catalog entry (catalog.ts) plus its owner. The worker host resolves it at each agent
 * connection; the container spec builder (container-spec.ts) turns it into an engine
 * request. Secrets are never in here: an env value is either a literal that is safe to
 * show, or `{ fromEnv }` — the name of a secret's value (`NOX_SECRET_<NAME>`) that the host
 * supplies for that session alone, read only at container creation.
 */
export const ID_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;
/** service names: lower-case, digits and - _ . (they appear in labels and container names) */
export const SERVICE_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
/** env var names as POSIX shells accept them */
export const ENV_NAME_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,127}$/;

export const envValueSchema = z.union([
  z.string().max(32_768),
  z.object({ fromEnv: z.string().regex(ENV_NAME_PATTERN, 'must be an environment variable name') }).strict(),
]);
export type EnvValue = z.infer<typeof envValueSchema>;

export const limitsSchema = z
  .object({
    /** hard memory limit in MiB (swap not allowed beyond it) */
    memoryMb: z.number().int().min(8).max(1_048_576),
    /** CPU limit in cores, fractional (0.5 = half a core) */
    cpus: z.number().positive().max(1024),
    /** most processes/threads the container may have */
    pids: z.number().int().min(8).max(1_000_000),
  })
  .strict();
export type McpLimits = z.infer<typeof limitsSchema>;

/** `none` (the default), or one named internal network the engine already has. */
export const networkSchema = z.union([
  z.literal('none'),
  z.object({ internal: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a network name') }).strict(),
]);
export type McpNetwork = z.infer<typeof networkSchema>;

export const mountSchema = z
  .object({
    /** absolute host path */
    source: z.string().startsWith('/', 'must be an absolute path'),
    /** absolute path inside the container */
    target: z.string().startsWith('/', 'must be an absolute path'),
    /** default true: a service writes to a mount only when its entry says so */
    readOnly: z.boolean().default(true),
  })
  .strict();

export const runSpecSchema = z
  .object({
    agentId: z.string().regex(ID_PATTERN, 'must match ^[a-z0-9][a-z0-9-]{0,62}$'),
    service: z.string().regex(SERVICE_NAME_PATTERN, 'must match ^[a-z0-9][a-z0-9_.-]{0,62}$'),
    /** worker host that runs the agent (labels the container so that host alone reaps it) */
    hostId: z.string().regex(ID_PATTERN),
    /** image reference or id; must already be on the engine (nothing is pulled here) */
    image: z.string().min(1).max(512),
    /** replaces the image's ENTRYPOINT when given */
    entrypoint: z.array(z.string()).optional(),
    /** replaces the image's CMD when given */
    command: z.array(z.string()).optional(),
    env: z.record(z.string().regex(ENV_NAME_PATTERN), envValueSchema).default({}),
    limits: limitsSchema,
    network: networkSchema.default('none'),
    /**
     * `auto` (default): read-only unless the image carries the label `nox.writable-root=true`;
     * `true`/`false` force it. A read-only root still gets a writable tmpfs at /tmp.
     */
    readOnlyRoot: z.union([z.literal('auto'), z.boolean()]).default('auto'),
    mounts: z.array(mountSchema).default([]),
    workdir: z.string().startsWith('/').optional(),
    /** `uid[:gid]` or a user name the image knows; default: the image's own */
    user: z.string().max(64).optional(),
  })
  .strict();
export type McpRunSpec = z.output<typeof runSpecSchema>;
export type McpRunSpecInput = z.input<typeof runSpecSchema>;

/** The image label by which an image says it needs a writable root filesystem. */
export const WRITABLE_ROOT_LABEL = 'nox.writable-root';
