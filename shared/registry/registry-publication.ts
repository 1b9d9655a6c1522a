import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';

/**
 * What the registry writer has published to Redis (docs/HOSTS.md, "Registry reads"): the
 * text of every registry file as of its last commit (keys.registryFiles(), relative path →
 * text; conversation days and resource-usage.toml by name only: isBulky) and this record
 * (keys.registryPublished()). Hosts on other machines read the registry from there, so the
 * folder belongs to the writer's machine alone.
 *
 * - `version` goes up by one per publication (a commit, or a snapshot); every
 *   `registry.commit` event carries the version that published its files, so a reader knows
 *   which of the writer's commits it has seen;
 * - `snapshot` is the version of the last full publication (the writer's start, a branch
 *   switch): a reader that sees it change reloads every file.
 * Absent until a writer has published once: readers wait for it rather than guess.
 */
export interface Publication {
  sha: string;
  version: number;
  snapshot: number;
  branch: string;
  /** ISO time of the publication */
  at: string;
}

/** Emitted after a snapshot (data: the Publication); a commit's publication rides on `registry.commit`. */
export const REGISTRY_PUBLISHED_EVENT = 'registry.published';

export function decodePublication(hash: Record<string, string> | null | undefined): Publication | undefined {
  if (!hash || !hash.version) return undefined;
  return { sha: hash.sha ?? '', version: Number(hash.version), snapshot: Number(hash.snapshot ?? 0), branch: hash.branch ?? '', at: hash.at ?? '' };
}

export async function readPublication(redis: Redis, keys: Keys): Promise<Publication | undefined> {
  return decodePublication(await redis.hgetall(keys.registryPublished()));
}

/**
 * Files that only grow and that no host reads — conversation days (the API's history routes
 * read them from the writer's folder) and resource-usage.toml (rewritten at every flush, up
 * to `resource_samples_kept` samples). They are published by name only (an empty text): a
 * flush every few seconds must not move megabytes to every host, nor the whole history
 * of every conversation sit in Redis's memory. Mirrors list them (day listings, agent
 * folders) and say so when asked for their text.
 */
export function isBulky(rel: string): boolean {
  return rel === 'resource-usage.toml' || /^agents\/[^/]+\/conversations\//.test(rel);
}

/** Hosts that said, within `withinMs`, that they wait for the writer's first publication (health). */
export async function hostsWaitingForRegistry(redis: Redis, keys: Keys, withinMs: number): Promise<string[]> {
  return redis.zrangebyscore(keys.hostsWaitingForRegistry(), Date.now() - withinMs, '+inf');
}
