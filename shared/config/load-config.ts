import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import type { z } from 'zod';
import { ConfigError } from '../errors/config-error.js';
import { ENV_OVERRIDES, parseLabels } from './env-overrides.js';
import { configSchema, type NoxConfig } from './schema.js';
import { extractSecrets, mergeSecrets, readSecretsFile, resolveSecretsFile, secretFieldsIn } from './secrets.js';

export const CONFIG_FILE = 'system-config.toml';

export interface LoadConfigOptions {
  /** registry folder; default `$NOX_REGISTRY_DIR` or `./.nox-registry` */
  registryDir?: string;
  /** the secrets file; default `$NOX_SECRETS_FILE` or `.nox-secrets/secrets.toml` beside the registry folder */
  secretsFile?: string;
  /** environment to read overrides from; default `process.env` */
  env?: NodeJS.ProcessEnv;
  /** values applied last (command-line flags, tests) */
  overrides?: Record<string, unknown>;
  /**
   * system-config.toml as the registry writer published it (a host on another machine,
   * docs/HOSTS.md): read instead of the folder's file, less its secrets (redacted anyway) and
   * less what belongs to each machine — `[redis]` (how this machine reaches Redis),
   * `[worker]` (this host's id, labels, capacity) and `registry.reads`.
   */
  published?: { text: string; source: string };
}

/** The tables of system-config.toml each machine sets for itself: never taken from the writer's. */
export const MACHINE_TABLES = ['redis', 'worker'] as const;

export function resolveRegistryDir(env: NodeJS.ProcessEnv = process.env, explicit?: string): string {
  return path.resolve(explicit ?? env.NOX_REGISTRY_DIR ?? '.nox-registry');
}

/**
 * Reads system-config.toml (if present) and the secrets file (if present), applies env
 * overrides, validates. Throws ConfigError. A secret written into system-config.toml is an
 * error that says where it belongs: that file is in git, and git history is served and pushed.
 */
export function loadConfig(options: LoadConfigOptions = {}): NoxConfig {
  const env = options.env ?? process.env;
  const registryDir = resolveRegistryDir(env, options.registryDir);
  const secretsFile = resolveSecretsFile(registryDir, env, options.secretsFile);
  const file = options.published ? options.published.source : path.join(registryDir, CONFIG_FILE);
  const raw = options.published ? sharedPart(parseConfigText(options.published.text, file)) : readConfigFile(file);
  const misplaced = secretFieldsIn(raw);
  if (misplaced.length > 0) {
    throw new ConfigError(
      `config: ${file} holds secret field(s): ${misplaced.join(', ')}.\n` +
        `  Secrets live outside the registry's git tree, in ${secretsFile} (docs/CONFIGURATION.md, "Secrets").\n` +
        '  Start the registry writer once (`nox up`, or `nox worker --registry-writer`): it moves them there and rotates the signing key.',
    );
  }
  mergeSecrets(raw, readSecretsFile(secretsFile));
  const sources = new Map<string, string>();

  for (const o of ENV_OVERRIDES) {
    const value = env[o.env];
    if (value === undefined || value === '') continue;
    setPath(raw, o.path, convert(o.env, value, o.kind));
    sources.set(o.path, `env ${o.env}`);
  }
  for (const [p, v] of Object.entries(options.overrides ?? {})) {
    setPath(raw, p, v);
    sources.set(p, 'override');
  }

  const result = configSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(describeIssues(result.error, file, sources));
  return { ...result.data, registryDir, secretsFile };
}

function readConfigFile(file: string): Record<string, unknown> {
  if (!existsSync(file)) return {};
  return parseConfigText(readFileSync(file, 'utf8'), file);
}

function sharedPart(raw: Record<string, unknown>): Record<string, unknown> {
  extractSecrets(raw);
  for (const t of MACHINE_TABLES) delete raw[t];
  // where this process reads the registry is decided here, not by the writer's machine
  const registry = raw.registry;
  if (registry && typeof registry === 'object') delete (registry as Record<string, unknown>).reads;
  return raw;
}

function parseConfigText(text: string, file: string): Record<string, unknown> {
  try {
    return parseToml(text) as Record<string, unknown>;
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    const first = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(`config: ${file}${where} is not valid TOML: ${first}`);
  }
}

function convert(name: string, value: string, kind: 'string' | 'int' | 'labels'): unknown {
  if (kind === 'string') return value;
  if (kind === 'int') {
    if (!/^-?\d+$/.test(value.trim())) throw new ConfigError(`config: ${name}="${value}" must be a whole number`);
    return Number(value);
  }
  try {
    return parseLabels(value);
  } catch (err) {
    throw new ConfigError(`config: ${name}: ${(err as Error).message}`);
  }
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const parts = dotted.split('.');
  let node = target;
  for (const key of parts.slice(0, -1)) {
    const next = node[key];
    if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[parts[parts.length - 1] as string] = value;
}

function describeIssues(error: z.ZodError, file: string, sources: Map<string, string>): string {
  const lines = error.issues.map((issue) => {
    const field = issue.path.join('.') || '(root)';
    const from = sources.get(field) ?? file;
    const what = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
    return `  ${field}: ${what} (from ${from})`;
  });
  return `config: invalid configuration\n${lines.join('\n')}`;
}
