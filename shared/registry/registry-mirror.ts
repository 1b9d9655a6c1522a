import { RegistryNotPublishedError } from '../errors/registry-errors.js';
import { ID_PATTERN } from '../ids.js';
import { eventFeedFor } from '../events/event-feed.js';
import { errorFields, type Logger } from '../logger.js';
import type { NoxContext } from '../runtime/context.js';
import { REGISTRY_EVENT, type CommitResult } from './changes.js';
import { DATE_PATTERN, compressedPathOf } from './layout.js';
import { createCachedReader, type RegistryReader } from './registry-reader.js';
import { decodePublication, isBulky, REGISTRY_PUBLISHED_EVENT, type Publication } from './registry-publication.js';
import { reportLoopError } from '../redis-reachability.js';

/**
 * The registry as the writer published it to Redis (registry-publication.ts), held in
 * memory and kept current by the commits' events: how a host whose machine has no registry
 * folder reads agents, the MCP catalog, the policy, tasks (docs/HOSTS.md).
 *
 * - At start it follows the event stream first, then loads every published file, so no
 *   commit falls between the two. Each `registry.commit` event names its files and the
 *   publication version that carried them: those files are fetched again (one MULTI with
 *   the publication record); a new snapshot (`registry.published`) reloads them all.
 * - Reads are synchronous and cached like the folder's (registry-reader.ts: parsed once per
 *   text, keyed files by section). Before anything was published a read throws
 *   RegistryNotPublishedError — never an empty registry passed off as the real one — and
 *   `ready()` waits, logging every `registry.wait_log_interval_ms` that it does.
 * - `caughtUp(version)` waits until the commits up to `version` (default: the one
 *   published now) are in memory, so a process reads its own writes and a host handed a
 *   job about an agent created a moment ago sees the agent. If an event is slow to come,
 *   it reloads everything rather than wait long.
 */
export interface RegistryMirror {
  readonly reader: RegistryReader;
  /** the publication this mirror holds; undefined while waiting for the first */
  readonly publication: Publication | undefined;
  readonly applied: number;
  readonly lastError: Error | undefined;
  /** resolves once a publication is loaded (waits for the writer's first, logging that it does) */
  ready(): Promise<Publication>;
  caughtUp(version?: number): Promise<void>;
  close(): void;
}

/** how long caughtUp waits for a commit's event before reloading everything */
const EVENT_GRACE_MS = 2000;

export function createRegistryMirror(ctx: NoxContext, logger: Logger): RegistryMirror {
  const { redis, keys } = ctx;
  const waitLogMs = ctx.config.registry.wait_log_interval_ms;
  /** the texts held in memory: every published file but the bulky ones */
  const texts = new Map<string, string>();
  /** every published file's name, the bulky ones included (day listings, agent folders) */
  const names = new Set<string>();
  const generation = new Map<string, number>();
  let counter = 0;
  let publication: Publication | undefined;
  let applied = 0;
  let lastError: Error | undefined;
  let closed = false;
  let chain: Promise<void> = Promise.resolve();
  let unsubscribe: (() => void) | undefined;
  let waitTimer: NodeJS.Timeout | undefined;
  let readyWaiters: ((p: Publication) => void)[] = [];
  let versionWaiters: { version: number; resolve: () => void }[] = [];

  const setText = (rel: string, text: string | null | undefined): void => {
    if (text === null || text === undefined) {
      if (!texts.delete(rel)) return;
    } else if (texts.get(rel) === text) return;
    else texts.set(rel, text);
    generation.set(rel, ++counter);
  };

  const advance = (version: number): void => {
    if (version > applied) applied = version;
    const due = versionWaiters.filter((w) => w.version <= applied);
    versionWaiters = versionWaiters.filter((w) => w.version > applied);
    for (const w of due) w.resolve();
  };

  const serial = (step: () => Promise<void>): Promise<void> => {
    chain = chain.then(step).catch((err: unknown) => {
      lastError = err as Error;
      // Redis down is said once for the process (redis-reachability.ts), not per refresh
      reportLoopError(logger, 'registry mirror: a refresh from Redis failed; the next commit or reload tries again', err);
    });
    return chain;
  };

  const loadAll = async (): Promise<void> => {
    const listed = new Set(await redis.hkeys(keys.registryFiles()));
    const wanted = [...listed].filter((rel) => !isBulky(rel));
    const multi = redis.multi().hgetall(keys.registryPublished());
    if (wanted.length > 0) multi.hmget(keys.registryFiles(), ...wanted);
    const res = (await multi.exec()) ?? [];
    const pub = decodePublication(res[0]?.[1] as Record<string, string>);
    if (!pub) return waitForWriter();
    const values = (res[1]?.[1] ?? []) as (string | null)[];
    for (const rel of [...texts.keys()]) if (!listed.has(rel)) setText(rel, null);
    wanted.forEach((rel, i) => setText(rel, values[i]));
    names.clear();
    for (const rel of listed) names.add(rel);
    const first = !publication;
    publication = pub;
    applied = 0;
    advance(pub.version);
    if (waitTimer) clearInterval(waitTimer);
    waitTimer = undefined;
    if (first) logger.info('registry read from Redis', { sha: pub.sha, version: pub.version, files: texts.size, publishedAt: pub.at });
    const waiting = readyWaiters;
    readyWaiters = [];
    for (const resolve of waiting) resolve(pub);
  };

  const waitForWriter = (): void => {
    if (waitTimer || closed) return;
    const since = Date.now();
    // expected while Nox starts (the writer publishes a moment after it starts): a warning only if it lasts
    logger.info('waiting for the registry writer: it has never published the registry to Redis; this host reads nothing until it does');
    waitTimer = setInterval(() => {
      logger.warn('still waiting for the registry writer to publish the registry to Redis', { waitedMs: Date.now() - since });
      void serial(loadAll);
    }, waitLogMs);
    waitTimer.unref();
  };

  const refresh = async (rels: readonly string[], version: number | undefined): Promise<void> => {
    if (!publication) return loadAll();
    if (version !== undefined && version <= applied) return;
    const held = rels.filter((rel) => !isBulky(rel));
    const bulky = rels.filter(isBulky);
    const multi = redis.multi().hgetall(keys.registryPublished());
    if (held.length > 0) multi.hmget(keys.registryFiles(), ...held);
    for (const rel of bulky) multi.hexists(keys.registryFiles(), rel);
    const res = (await multi.exec()) ?? [];
    const pub = decodePublication(res[0]?.[1] as Record<string, string>);
    if (!pub || pub.snapshot !== publication.snapshot) return loadAll();
    const values = (held.length > 0 ? res[1]?.[1] : []) as (string | null)[];
    held.forEach((rel, i) => {
      setText(rel, values[i]);
      if (values[i] === null) names.delete(rel);
      else names.add(rel);
    });
    bulky.forEach((rel, i) => (res[(held.length > 0 ? 2 : 1) + i]?.[1] === 1 ? names.add(rel) : names.delete(rel)));
    publication = { ...pub, version: Math.max(version ?? applied, applied) };
    advance(version ?? applied);
  };

  // follow first, load second: a commit published in between is seen by the refresh
  const subscribed = eventFeedFor(ctx)
    .subscribe(
      (e) => {
        if (e.type === REGISTRY_PUBLISHED_EVENT) return void serial(loadAll);
        const data = e.data as CommitResult;
        void serial(() => refresh(data.files ?? [], data.version));
      },
      (type) => type === REGISTRY_EVENT.commit || type === REGISTRY_PUBLISHED_EVENT,
    )
    .then(
      (off) => {
        if (closed) off();
        else unsubscribe = off;
        return serial(loadAll);
      },
      (err: Error) => {
        lastError = err;
        logger.error('registry mirror: cannot follow the event stream; reads from Redis would go stale, so none are served', errorFields(err));
      },
    );

  const text = (rel: string): string | undefined => {
    if (!publication) throw new RegistryNotPublishedError();
    if (isBulky(rel)) throw new Error(`${rel} is not held by a process that reads the registry from Redis (conversation days and resource samples are published by name only; their text is in the writer's folder: docs/HOSTS.md)`);
    return texts.get(rel) ?? texts.get(compressedPathOf(rel));
  };

  const reader = createCachedReader('redis:', {
    text,
    signature: (rel) => `${publication ? 'p' : 'w'}${generation.get(rel) ?? 0}|${generation.get(compressedPathOf(rel)) ?? 0}`,
    nameOf: (rel) => (texts.has(rel) ? rel : compressedPathOf(rel)),
    conversationDays(agentId) {
      if (!publication) throw new RegistryNotPublishedError();
      const prefix = `agents/${agentId}/conversations/`;
      const days = new Map<string, boolean>();
      for (const rel of names) {
        if (!rel.startsWith(prefix)) continue;
        const m = /^(\d{4}-\d{2}-\d{2})\.toml(\.gz)?$/.exec(rel.slice(prefix.length));
        if (m && DATE_PATTERN.test(m[1]!)) days.set(m[1]!, (days.get(m[1]!) ?? true) && Boolean(m[2]));
      }
      return [...days].sort(([a], [b]) => a.localeCompare(b)).map(([date, compressed]) => ({ date, compressed }));
    },
    agentFolders() {
      if (!publication) throw new RegistryNotPublishedError();
      const ids = new Set<string>();
      for (const rel of names) {
        const m = /^agents\/([^/]+)\//.exec(rel);
        if (m && ID_PATTERN.test(m[1]!)) ids.add(m[1]!);
      }
      return [...ids].sort();
    },
  });

  return {
    reader,
    get publication() {
      return publication;
    },
    get applied() {
      return applied;
    },
    get lastError() {
      return lastError;
    },
    async ready() {
      await subscribed;
      if (publication) return publication;
      return new Promise<Publication>((resolve) => readyWaiters.push(resolve));
    },
    async caughtUp(version) {
      await subscribed;
      const target = version ?? Number((await redis.hget(keys.registryPublished(), 'version')) ?? 0);
      if (target <= applied) return;
      let timer: NodeJS.Timeout | undefined;
      const arrived = new Promise<boolean>((resolve) => {
        versionWaiters.push({ version: target, resolve: () => resolve(true) });
        timer = setTimeout(() => resolve(false), EVENT_GRACE_MS);
      });
      const inTime = await arrived;
      clearTimeout(timer);
      if (!inTime && target > applied) await serial(loadAll);
    },
    close() {
      closed = true;
      unsubscribe?.();
      if (waitTimer) clearInterval(waitTimer);
      for (const w of versionWaiters) w.resolve();
      versionWaiters = [];
    },
  };
}

const perContext = new WeakMap<NoxContext, RegistryMirror>();

/** The process's one mirror per context (one copy of the registry in memory, one subscription), closed with the context. */
export function registryMirrorFor(ctx: NoxContext): RegistryMirror {
  let mirror = perContext.get(ctx);
  if (!mirror) {
    const created = createRegistryMirror(ctx, ctx.logger.child({ component: 'registry-mirror' }));
    perContext.set(ctx, created);
    ctx.onClose(() => created.close());
    mirror = created;
  }
  return mirror;
}
