import { ERROR_CODE } from '../errors/codes.js';
import { NoxError } from '../errors/nox-error.js';
import { NotFoundError } from '../errors/not-found-error.js';
import { files } from '../registry/layout.js';
import type { Actor } from '../registry/changes.js';
import type { RegistryClient } from '../registry/registry-client.js';
import { projectSchema, type Project } from './project-model.js';

/**
 * projects.toml through the registry (docs/REGISTRY.md): reads from the client's cache,
 * changes as registry changes on the `registry` queue, one commit each.
 */
export interface ProjectStore {
  list(): Project[];
  get(name: string): Project | undefined;
  require(name: string): Project;
  add(project: Project, actor: Actor, correlationId?: string): Promise<void>;
  remove(name: string, actor: Actor, correlationId?: string): Promise<void>;
}

export function projectStore(registry: RegistryClient): ProjectStore {
  const all = (): Record<string, unknown> => (registry.toml(files.projects()).projects ?? {}) as Record<string, unknown>;
  const parse = (name: string, raw: unknown): Project | undefined => {
    const r = projectSchema.safeParse({ ...(raw as object), name });
    return r.success ? r.data : undefined;
  };
  const store: ProjectStore = {
    list: () =>
      Object.entries(all())
        .map(([name, raw]) => parse(name, raw))
        .filter((p): p is Project => Boolean(p))
        .sort((a, b) => a.name.localeCompare(b.name)),
    get: (name) => {
      const raw = all()[name];
      return raw === undefined ? undefined : parse(name, raw);
    },
    require: (name) => {
      const p = store.get(name);
      if (!p) throw new NotFoundError(`no project ${name}`, ERROR_CODE.projectNotFound);
      return p;
    },
    async add(project, actor, correlationId) {
      if (store.get(project.name)) throw new NoxError(ERROR_CODE.projectExists, `project ${project.name} exists already`);
      const { name, ...value } = project;
      await registry.change({ message: `add project ${name}`, changes: [{ op: 'set', file: files.projects(), key: ['projects', name], value }] }, actor, correlationId ? { correlationId } : {});
    },
    async remove(name, actor, correlationId) {
      store.require(name);
      await registry.change({ message: `remove project ${name}`, changes: [{ op: 'unset', file: files.projects(), key: ['projects', name] }] }, actor, correlationId ? { correlationId } : {});
    },
  };
  return store;
}
