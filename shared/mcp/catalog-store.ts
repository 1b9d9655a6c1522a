import { McpServiceNotAllowedError, McpServiceNotFoundError } from '../errors/mcp-errors.js';
import { ValidationError } from '../errors/validation-error.js';
import { files } from '../registry/layout.js';
import type { Actor, CommitResult } from '../registry/changes.js';
import { createRegistryClient, type RegistryClient } from '../registry/registry-client.js';
import type { NoxContext } from '../runtime/context.js';
import { catalogEntrySchema, isAgentAllowed, type Catalog, type CatalogEntry, type CatalogEntryInput } from './catalog.js';
import { assertMountsAllowed, mountPolicyFor, mountRefusals, type MountPolicy } from './mount-policy.js';
import { SERVICE_NAME_PATTERN } from './run-spec.js';

/**
 * The catalog (`mcp-services.toml`) through the registry client: reads are the client's
 * cached reads, every write is one registry change (one commit, authored by the actor,
 * applied once per change id).
 *
 * Reading is per entry: an entry someone broke by hand is left out and reported in
 * `invalid` (for the API and the logs) instead of taking every other service down with it.
 * With a mount policy (mount-policy.ts), so is an entry whose bind mounts it refuses — a
 * hand-edited docker.sock mount never reaches an agent — and `put` refuses one (403).
 */
export interface CatalogView {
  catalog: Catalog;
  invalid: { service: string; message: string }[];
}

export interface McpCatalogStore {
  read(): CatalogView;
  /** the entry, or McpServiceNotFoundError (404) */
  get(name: string): CatalogEntry;
  /** adds or replaces a service (its `enabled` agents are kept when it is replaced) */
  put(name: string, entry: CatalogEntryInput, actor: Actor, changeId: string): Promise<CommitResult>;
  /** deletes a service; a missing one is a no-op commit (sha null) */
  remove(name: string, actor: Actor, changeId: string): Promise<CommitResult>;
  /** turns a service on or off for an agent; refuses (403) an agent the entry does not allow */
  setEnabled(name: string, agentId: string, on: boolean, actor: Actor): Promise<CommitResult | null>;
}

export function createMcpCatalogStore(registry: RegistryClient, options: { mounts?: MountPolicy } = {}): McpCatalogStore {
  // The reader hands out the same frozen object until the file changes: parse once per version.
  let last: { raw: unknown; view: CatalogView } | undefined;

  const read = (): CatalogView => {
    const raw = registry.read.mcpServices();
    if (last?.raw === raw) return last.view;
    const view: CatalogView = { catalog: { services: {} }, invalid: [] };
    for (const [service, value] of Object.entries(raw)) {
      if (!SERVICE_NAME_PATTERN.test(service)) {
        view.invalid.push({ service, message: 'not a valid service name' });
        continue;
      }
      const parsed = catalogEntrySchema.safeParse(value);
      const refused = parsed.success && options.mounts ? mountRefusals(parsed.data.mounts, options.mounts) : [];
      if (refused.length > 0) view.invalid.push({ service, message: refused.map((r) => `mounts: ${r.source} ${r.reason}`).join('; ') });
      else if (parsed.success) view.catalog.services[service] = parsed.data;
      else view.invalid.push({ service, message: parsed.error.issues.map((i) => `${i.path.join('.') || '(entry)'}: ${i.message}`).join('; ') });
    }
    last = { raw, view };
    return view;
  };

  const get = (name: string): CatalogEntry => {
    const entry = read().catalog.services[name];
    if (!entry) throw new McpServiceNotFoundError(name);
    return entry;
  };

  return {
    read,
    get,
    async put(name, input, actor, changeId) {
      if (!SERVICE_NAME_PATTERN.test(name)) throw new ValidationError(`bad service name ${name}`, [{ path: 'name', message: `must match ${SERVICE_NAME_PATTERN.source}`, code: 'invalid_string' }]);
      const entry = catalogEntrySchema.parse(input);
      if (options.mounts) assertMountsAllowed(entry.mounts, options.mounts);
      const current = read().catalog.services[name];
      const value = tomlValue({ ...entry, enabled: { ...current?.enabled, ...entry.enabled } });
      return registry.change({ id: changeId, message: `${current ? 'update' : 'add'} MCP service ${name}`, changes: [{ op: 'set', file: files.mcpServices(), key: ['services', name], value }] }, actor);
    },
    async remove(name, actor, changeId) {
      return registry.change({ id: changeId, message: `remove MCP service ${name}`, changes: [{ op: 'unset', file: files.mcpServices(), key: ['services', name] }] }, actor);
    },
    async setEnabled(name, agentId, on, actor) {
      const entry = get(name);
      if (on && !isAgentAllowed(entry, agentId)) throw new McpServiceNotAllowedError(name, agentId);
      if ((entry.enabled[agentId] === true) === on) return null; // already so: no commit
      const key = ['services', name, 'enabled', agentId];
      return registry.change(
        {
          message: `${on ? 'enable' : 'disable'} MCP service ${name} for agent ${agentId}`,
          changes: [on ? { op: 'set', file: files.mcpServices(), key, value: true } : { op: 'unset', file: files.mcpServices(), key }],
        },
        actor,
      );
    },
  };
}

/** TOML has no null/undefined: drop them (zod leaves optional keys undefined). */
function tomlValue(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value)) as unknown;
}

const perContext = new WeakMap<NoxContext, McpCatalogStore>();

/**
 * The catalog store of a process context, made once (the agents runtime calls this at
 * every agent start), under this host's mount policy. Its registry client opens a queue-events connection only for the
 * length of a write, so nothing needs closing.
 */
export function mcpCatalogFor(ctx: NoxContext): McpCatalogStore {
  let store = perContext.get(ctx);
  if (!store) {
    store = createMcpCatalogStore(createRegistryClient(ctx, { sharedQueueEvents: false }), { mounts: mountPolicyFor(ctx.config) });
    perContext.set(ctx, store);
  }
  return store;
}
