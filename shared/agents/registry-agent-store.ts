import { AgentExistsError, AgentNotFoundError } from '../errors/agent-errors.js';
import type { Logger } from '../logger.js';
import { files, relativePathOf } from '../registry/layout.js';
import { fileSignature } from '../registry/registry-reader.js';
import type { RegistryClient } from '../registry/registry-client.js';
import type { Actor } from '../registry/changes.js';
import { agentConfigSchema, type AgentConfig } from './agent-config.js';
import type { AgentStore } from './agent-store-contract.js';

/**
 * Agent configs in agents.toml (`[agents.<id>]`), through the registry client: reads are
 * the client's cached file reads (fresh: the cache is keyed on the file's inode, size and
 * mtime), writes are change requests through the `registry` queue, each one git commit
 * authored by the actor. A table that no longer validates is skipped with a warning
 * (a person may have edited the file by hand), never thrown at the caller of list().
 */
export function createRegistryAgentStore(registry: RegistryClient, logger: Logger): AgentStore {
  // The reader hands back the same frozen table while its section's text is unchanged, so a
  // config validated once is reused: listing 2,000 agents parses only what changed.
  const decoded = new WeakMap<object, AgentConfig>();
  const decode = (id: string, table: unknown): AgentConfig | undefined => {
    const known = table && typeof table === 'object' ? decoded.get(table) : undefined;
    if (known) return known;
    const parsed = agentConfigSchema.safeParse(table);
    if (parsed.success) {
      if (table && typeof table === 'object') decoded.set(table, parsed.data);
      return parsed.data;
    }
    logger.warn('agents.toml has an agent table that does not validate; skipping it', { agentId: id, issues: parsed.error.issues.slice(0, 5) });
    return undefined;
  };
  const write = async (config: AgentConfig, actor: string, verb: string): Promise<void> => {
    await registry.change(
      {
        id: `agent-${verb}-${config.id}-${config.last_modified.replace(/[^0-9A-Za-z]/g, '')}`,
        message: `${verb} agent ${config.id}`,
        changes: [{ op: 'set', file: files.agents(), key: ['agents', config.id], value: toToml(config) }],
      },
      asActor(actor),
    );
  };
  return {
    async version() {
      // the writer replaces agents.toml by rename: every commit gives a new (inode, size, mtime)
      return fileSignature(registry.dir, relativePathOf(files.agents()));
    },
    async list() {
      await registry.caughtUp();
      return Object.entries(registry.read.agents())
        .map(([id, t]) => decode(id, t))
        .filter((c): c is AgentConfig => c !== undefined)
        .sort((a, b) => a.id.localeCompare(b.id));
    },
    async get(id) {
      // read from Redis on another machine: an agent created a moment ago (its start job may
      // come before this host has heard of the commit) is looked for again once caught up
      let table = registry.read.agent(id);
      if (!table && registry.source === 'redis') {
        await registry.caughtUp();
        table = registry.read.agent(id);
      }
      return table ? decode(id, table) : undefined;
    },
    async create(config, actor) {
      if (registry.read.agent(config.id)) throw new AgentExistsError(config.id);
      await write(config, actor, 'create');
    },
    async update(config, actor) {
      if (!registry.read.agent(config.id)) throw new AgentNotFoundError(config.id);
      await write(config, actor, 'update');
    },
    async remove(id, actor) {
      if (!registry.read.agent(id)) return false;
      await registry.change(
        { id: `agent-delete-${id}-${Date.now()}`, message: `delete agent ${id}`, changes: [{ op: 'unset', file: files.agents(), key: ['agents', id] }] },
        asActor(actor),
      );
      return true;
    },
  };
}

/** TOML has no null or undefined: drop them (the schema's defaults bring them back on read). */
function toToml(value: unknown): unknown {
  if (Array.isArray(value)) return value.filter((v) => v !== undefined && v !== null).map(toToml);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined && v !== null)
        .map(([k, v]) => [k, toToml(v)]),
    );
  }
  return value;
}

/** `user:<name>`, `agent:<id>` or `system` (an anonymous caller writes as system). */
export function asActor(requester: string): Actor {
  return /^(system|user:[A-Za-z0-9_.@-]{1,64}|agent:[a-z0-9][a-z0-9-]{0,62})$/.test(requester) ? (requester as Actor) : 'system';
}
