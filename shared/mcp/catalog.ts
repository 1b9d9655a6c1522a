import { parse as parseToml, stringify as stringifyToml, TomlError } from 'smol-toml';
import { z } from 'zod';
import { McpServiceNotAllowedError } from '../errors/mcp-errors.js';
import { ValidationError, type FieldIssue } from '../errors/validation-error.js';
import { ENV_NAME_PATTERN, ID_PATTERN, SERVICE_NAME_PATTERN, type EnvValue, type McpRunSpecInput } from './run-spec.js';

/**
 * The catalog of MCP services, `.nox-registry/mcp-services.toml`, one table per service:
 *
 *   [services.github]
 *   image = "ghcr.io/github/github-mcp-server:1.2"
 *   description = "GitHub issues and pull requests"
 *   command = ["stdio"]                 # optional: replaces the image's CMD
 *   agents = ["reviewer", "triage"]     # who may enable it; ["*"] = every agent
 *   network = "none"                    # or { internal = "nox-mcp" }
 *   read_only_root = "auto"             # or true / false
 *   [services.github.enabled]           # agents that have it on (each must be in `agents`)
 *   reviewer = true
 *   [services.github.env]
 *   GITHUB_TOOLSETS = "issues,pull_requests"
 *   GITHUB_PERSONAL_ACCESS_TOKEN = { secret = "github-token" }
 *   [services.github.limits]           # optional; [mcp] defaults fill the gaps
 *   memory_mb = 256
 *   cpus = 0.5
 *   pids = 128
 *
 * Secrets are referenced by name, never written here: an env literal whose name looks like
 * a credential (TOKEN, SECRET, PASSWORD, API_KEY...) is refused with a pointer to
 * `{ secret = "..." }`. At run time the worker host looks the value up (its environment's
 * `NOX_SECRET_<NAME>`, secretEnvName, or the secrets file) for each session, and the
 * container's env references that name.
 *
 * This module validates and resolves entries; catalog-store.ts reads and writes the file
 * through the registry client (a registry commit per change).
 */
export const SECRET_NAME_PATTERN = /^[a-z0-9][a-z0-9_.-]{0,62}$/;
const CREDENTIAL_NAME = /(TOKEN|SECRET|PASSWORD|PASSWD|API_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH)/i;

/** Does an environment variable (or header) name look like it carries a credential? */
export function looksLikeCredential(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

const envEntry = z.union([
  z.string().max(32_768),
  z.object({ secret: z.string().regex(SECRET_NAME_PATTERN, 'must be a secret name (a-z, 0-9, _.-)') }).strict(),
]);

export const catalogEntrySchema = z
  .object({
    /** image reference; installed (pulled or imported) through the approval flow, never pulled at run time */
    image: z.string().min(1).max(512),
    description: z.string().max(2000).default(''),
    entrypoint: z.array(z.string()).optional(),
    command: z.array(z.string()).optional(),
    env: z
      .record(z.string().regex(ENV_NAME_PATTERN, 'must be an environment variable name'), envEntry)
      .default({})
      .superRefine((env, ctx) => {
        for (const [name, value] of Object.entries(env)) {
          if (typeof value === 'string' && looksLikeCredential(name)) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: `looks like a credential: reference a secret ({ secret = "name" }) instead of writing its value here`,
            });
          }
        }
      }),
    limits: z
      .object({
        memory_mb: z.number().int().min(8).max(1_048_576).optional(),
        cpus: z.number().positive().max(1024).optional(),
        pids: z.number().int().min(8).max(1_000_000).optional(),
      })
      .strict()
      .default({}),
    network: z
      .union([
        z.literal('none'),
        z.object({ internal: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/, 'must be a network name') }).strict(),
      ])
      .default('none'),
    read_only_root: z.union([z.literal('auto'), z.boolean()]).default('auto'),
    mounts: z
      .array(
        z
          .object({
            source: z.string().startsWith('/', 'must be an absolute path'),
            target: z.string().startsWith('/', 'must be an absolute path'),
            read_only: z.boolean().default(true),
          })
          .strict(),
      )
      .default([]),
    workdir: z.string().startsWith('/').optional(),
    user: z.string().max(64).optional(),
    /** agent ids allowed to enable it; `["*"]` = all. Required: no service is open by default. */
    agents: z.array(z.union([z.literal('*'), z.string().regex(ID_PATTERN, 'must be an agent id or "*"')])).min(1, 'name at least one agent, or "*"'),
    /**
     * agents that have it on (`[services.x.enabled] reviewer = true`): their `--mcp-config`
     * gets the service. Each must also be allowed by `agents`. One key per agent, so two
     * people enabling it for two agents at once cannot overwrite each other.
     */
    enabled: z.record(z.string().regex(ID_PATTERN, 'must be an agent id'), z.literal(true)).default({}),
  })
  .strict();

export type CatalogEntry = z.output<typeof catalogEntrySchema>;
export type CatalogEntryInput = z.input<typeof catalogEntrySchema>;

export const catalogSchema = z
  .object({
    services: z.record(z.string().regex(SERVICE_NAME_PATTERN, 'service names: a-z, 0-9 and _.- (max 63)'), catalogEntrySchema).default({}),
  })
  .strict();
export type Catalog = z.output<typeof catalogSchema>;

/** Parses mcp-services.toml text; a broken file is a ValidationError naming each field. */
export function parseCatalog(text: string): Catalog {
  let data: unknown;
  try {
    data = parseToml(text);
  } catch (err) {
    const msg = err instanceof TomlError ? (err.message.split('\n')[0] ?? 'invalid TOML') : String(err);
    throw new ValidationError(`mcp-services.toml is not valid TOML: ${msg}`, [{ path: '(document)', message: msg, code: 'toml' }]);
  }
  return validate(catalogSchema, data, 'mcp-services.toml');
}

/** Validates the `[services.*]` tables the registry reader hands out. */
export function parseCatalogServices(services: Readonly<Record<string, unknown>>): Catalog {
  return validate(catalogSchema, { services }, 'mcp-services.toml');
}

/** TOML text for a catalog (what the registry writer commits). */
export function stringifyCatalog(catalog: Catalog): string {
  return stringifyToml(catalog as unknown as Record<string, unknown>);
}

export function isAgentAllowed(entry: CatalogEntry, agentId: string): boolean {
  return entry.agents.includes('*') || entry.agents.includes(agentId);
}

/** The services an agent has on, by name (sorted). */
export function enabledServices(catalog: Catalog, agentId: string): string[] {
  return Object.entries(catalog.services)
    .filter(([, entry]) => entry.enabled[agentId] === true)
    .map(([name]) => name)
    .sort();
}

/** The name a secret's value goes by: the host's environment variable, and the `{ fromEnv }` a container's env refers to. */
export function secretEnvName(secret: string): string {
  return `NOX_SECRET_${secret.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

export interface ResolveOptions {
  agentId: string;
  hostId: string;
  /** `[mcp]` defaults for limits the entry does not name */
  defaults: { memoryMb: number; cpus: number; pids: number };
}

export interface ResolvedService {
  spec: McpRunSpecInput;
  /** secrets the session's env must carry, as `secretEnvName(name)` */
  secrets: string[];
}

/**
 * A catalog entry for one agent on one host → a session's run spec. Refuses an agent the
 * entry does not allow (McpServiceNotAllowedError, 403).
 */
export function resolveService(name: string, entry: CatalogEntry, options: ResolveOptions): ResolvedService {
  if (!isAgentAllowed(entry, options.agentId)) throw new McpServiceNotAllowedError(name, options.agentId);
  const env: Record<string, EnvValue> = {};
  const secrets = new Set<string>();
  for (const [key, value] of Object.entries(entry.env)) {
    if (typeof value === 'string') env[key] = value;
    else {
      secrets.add(value.secret);
      env[key] = { fromEnv: secretEnvName(value.secret) };
    }
  }
  const spec: McpRunSpecInput = {
    agentId: options.agentId,
    service: name,
    hostId: options.hostId,
    image: entry.image,
    env,
    limits: {
      memoryMb: entry.limits.memory_mb ?? options.defaults.memoryMb,
      cpus: entry.limits.cpus ?? options.defaults.cpus,
      pids: entry.limits.pids ?? options.defaults.pids,
    },
    network: entry.network,
    readOnlyRoot: entry.read_only_root,
    mounts: entry.mounts.map((m) => ({ source: m.source, target: m.target, readOnly: m.read_only })),
  };
  if (entry.entrypoint) spec.entrypoint = entry.entrypoint;
  if (entry.command) spec.command = entry.command;
  if (entry.workdir) spec.workdir = entry.workdir;
  if (entry.user) spec.user = entry.user;
  return { spec, secrets: [...secrets].sort() };
}

function validate<S extends z.ZodType>(schema: S, data: unknown, what: string): z.output<S> {
  const result = schema.safeParse(data);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message, code: i.code }));
  const first = issues[0]!;
  throw new ValidationError(`${what}: ${first.path || '(document)'}: ${first.message}`, issues);
}
