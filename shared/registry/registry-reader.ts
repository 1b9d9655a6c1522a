import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ID_PATTERN } from '../ids.js';
import { compressedPathOf, insideOrThrow, isTomlFamily, listConversationDays, relativePathOf, type FileRef } from './layout.js';
import { keyedTableOf, parseKeyedToml, type KeyedDocument } from './keyed-toml.js';
import { deepFreeze, parseRegistryToml, readText, type TomlTable } from './toml-io.js';

/**
 * Cached reads of registry files, from the folder (createRegistryReader) or from what the
 * writer published to Redis (registry-mirror.ts); reads never go through the queue. A cached value is reused while the file's (inode, size, mtime) are unchanged —
 * the writer replaces files by rename, so every write gives a new inode — and dropped
 * when a `registry.commit` event names the file. Values are frozen: clone before editing.
 *
 * Keyed files (agents.toml, mcp-services.toml) are parsed by section (keyed-toml.ts): after
 * a change only the sections whose text changed are parsed again, so reading agents.toml
 * after one more create costs a split and a comparison, not a parse of the whole file. The
 * sections outlive invalidation (they are reused only when their text is the same).
 */
export interface RegistryReader {
  readonly dir: string;
  /** the parsed, validated document; `{}` when the file does not exist */
  toml(ref: FileRef): Readonly<TomlTable>;
  /** raw text (markdown files); undefined when absent */
  text(ref: FileRef): string | undefined;
  /** the days an agent has conversation files for, oldest first, and whether each is closed */
  conversationDays(agentId: string): { date: string; compressed: boolean }[];
  /** the ids that have an `agents/<id>/` folder (state, tasks, memory, conversations), sorted */
  agentFolders(): string[];
  /** drop cached entries (all when no paths are given) */
  invalidate(relPaths?: readonly string[]): void;
  readonly stats: { hits: number; misses: number };
}

interface Entry {
  sig: string;
  value: unknown;
}

/**
 * What changes when a file is replaced or edited: (inode, size, mtime). A closed
 * conversation day lives in `<file>.gz`, so for a day file both signatures count.
 */
export function fileSignature(registryDir: string, rel: string): string {
  const abs = insideOrThrow(registryDir, rel);
  return `${signature(abs)}|${rel.endsWith('.toml') && rel.includes('/conversations/') ? signature(`${abs}.gz`) : ''}`;
}

function signature(abs: string): string {
  try {
    const s = statSync(abs, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}`;
  } catch {
    return 'absent';
  }
}

/**
 * Where a reader's texts come from: the folder (createRegistryReader) or what the writer
 * published to Redis (registry-mirror.ts). `signature` changes whenever the text does.
 */
export interface TextSource {
  text(rel: string): string | undefined;
  signature(rel: string): string;
  /** the name to report a parse error under: `rel`, or `rel.gz` when only the closed day exists */
  nameOf(rel: string): string;
  conversationDays(agentId: string): { date: string; compressed: boolean }[];
  agentFolders(): string[];
}

export function createRegistryReader(registryDir: string): RegistryReader {
  return createCachedReader(registryDir, {
    text: (rel) => readText(registryDir, rel),
    signature: (rel) => fileSignature(registryDir, rel),
    nameOf: (rel) => (existsPlain(registryDir, rel) ? rel : compressedPathOf(rel)),
    conversationDays: (agentId) => listConversationDays(registryDir, agentId),
    agentFolders() {
      const dir = path.join(registryDir, 'agents');
      if (!existsSync(dir)) return [];
      return readdirSync(dir, { withFileTypes: true })
        .filter((d) => d.isDirectory() && ID_PATTERN.test(d.name))
        .map((d) => d.name)
        .sort();
    },
  });
}

/** The cache and the parsing, over any source of texts. */
export function createCachedReader(dir: string, source: TextSource): RegistryReader {
  const cache = new Map<string, Entry>();
  const sections = new Map<string, KeyedDocument>();
  const stats = { hits: 0, misses: 0 };

  const cached = <T>(rel: string, load: () => T): T => {
    const sig = source.signature(rel);
    const hit = cache.get(rel);
    if (hit && hit.sig === sig) {
      stats.hits++;
      return hit.value as T;
    }
    stats.misses++;
    const value = deepFreeze(load());
    cache.set(rel, { sig, value });
    return value;
  };

  return {
    dir,
    stats,
    toml(ref) {
      const rel = relativePathOf(ref);
      if (!isTomlFamily(ref.family)) throw new TypeError(`${rel} is not a TOML file`);
      return cached(rel, () => {
        const text = source.text(rel);
        if (text === undefined) return {};
        if (keyedTableOf(ref.family)) {
          const keyed = parseKeyedToml(text, ref.family, sections.get(rel));
          if (keyed) {
            sections.set(rel, keyed);
            return keyed.doc;
          }
          sections.delete(rel);
        }
        return parseRegistryToml(text, source.nameOf(rel), ref.family as never);
      });
    },
    text(ref) {
      const rel = relativePathOf(ref);
      return cached(rel, () => source.text(rel));
    },
    conversationDays: (agentId) => source.conversationDays(agentId),
    agentFolders: () => source.agentFolders(),
    invalidate(relPaths) {
      if (!relPaths) return cache.clear();
      for (const p of relPaths) cache.delete(p.endsWith('.gz') ? p.slice(0, -3) : p);
    },
  };
}

function existsPlain(dir: string, rel: string): boolean {
  return signature(insideOrThrow(dir, rel)) !== 'absent';
}
