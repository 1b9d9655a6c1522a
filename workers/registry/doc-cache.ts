import type { KeyedDocument } from '../../shared/registry/keyed-toml.js';
import { fileSignature } from '../../shared/registry/registry-reader.js';
import type { TomlTable } from '../../shared/registry/toml-io.js';

/**
 * The writer's memory of the files it read or wrote, kept between groups: the next change
 * to agents.toml starts from the sections already parsed instead of reading and parsing
 * 1 MB again. An entry is used only while the file's signature (inode, size, mtime) is the
 * one it was cached with, so a person's edit, a rollback's checkout or a branch switch is
 * simply read again. Bounded: per-agent files are many and each is small.
 */
export type LoadedFile =
  | { kind: 'keyed'; keyed: KeyedDocument }
  /** a whole TOML document, frozen */
  | { kind: 'toml'; doc: Readonly<TomlTable> }
  /** a markdown file; null when absent */
  | { kind: 'text'; text: string | null };

export interface DocCache {
  /** the cached content, if the file is still the one it was cached from */
  lookup(rel: string): LoadedFile | undefined;
  /** the file's signature now: take it BEFORE reading the file, then `remember` with it */
  signature(rel: string): string;
  remember(rel: string, loaded: LoadedFile, signature: string): void;
  forget(rel?: string): void;
}

export function createDocCache(dir: string, maxEntries = 512): DocCache {
  const entries = new Map<string, { sig: string; loaded: LoadedFile }>();
  return {
    lookup(rel) {
      const hit = entries.get(rel);
      if (!hit) return undefined;
      if (hit.sig !== fileSignature(dir, rel)) {
        entries.delete(rel);
        return undefined;
      }
      // most recently used last, so eviction drops the least used
      entries.delete(rel);
      entries.set(rel, hit);
      return hit.loaded;
    },
    signature: (rel) => fileSignature(dir, rel),
    remember(rel, loaded, sig) {
      entries.delete(rel);
      entries.set(rel, { sig, loaded });
      while (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
    },
    forget(rel) {
      if (rel === undefined) entries.clear();
      else entries.delete(rel);
    },
  };
}
