import { randomUUID } from 'node:crypto';
import type { Job, QueueEvents } from 'bullmq';
import { isNoxError } from '../errors/nox-error.js';
import { ValidationError, type FieldIssue } from '../errors/validation-error.js';
import { eventFeedFor } from '../events/event-feed.js';
import { priorityOf } from '../queues/priority.js';
import { waitForJob } from '../queues/job-waits.js';
import { createQueueEvents } from '../queues/queue-factory.js';
import { closeRedis, createRedis } from '../redis.js';
import type { NoxContext } from '../runtime/context.js';
import type { PriorityName } from '../types.js';
import {
  actorSchema,
  appendRequestSchema,
  changeRequestSchema,
  REGISTRY_EVENT,
  REGISTRY_JOB,
  REGISTRY_PRIORITY,
  type Actor,
  type AppendRequest,
  type BackupJob,
  type PurgeSecretsJob,
  type BranchAction,
  type BranchJob,
  type ChangeJob,
  type ChangeRequest,
  type CommitResult,
  type RollbackJob,
} from './changes.js';
import { decodeJobError } from '../errors/job-errors.js';
import { files, type FileRef } from './layout.js';
import { createRegistryReader, type RegistryReader } from './registry-reader.js';
import { registryMirrorFor, type RegistryMirror } from './registry-mirror.js';
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { TomlTable } from './toml-io.js';
import type { TaskRecord } from './task-record.js';
import type { z } from 'zod';

/**
 * RegistryClient — how every part of Nox reads and changes `.nox-registry/`.
 *
 * Reads (`read.*`, `toml`, `text`) come from the folder, cached (see registry-reader.ts)
 * and dropped on `registry.commit` events when `watchCommits` is on — or, on a host whose
 * machine does not hold the folder, from what the writer published to Redis
 * (registry-mirror.ts; `registry.reads`, docs/HOSTS.md), where a change this client made
 * is read back as soon as `change()` resolves.
 * They return frozen objects: clone before editing. A broken file throws
 * RegistryFileInvalidError (422, names file and line).
 *
 * Writes never touch the folder here. `change(request, actor)` validates the request,
 * enqueues one `registry.change` job on the `registry` queue (jobId = the idempotency key,
 * explicit priority) and resolves with the CommitResult once the single registry writer
 * has committed it, attributed to `actor` — in one git commit with the other requests
 * waiting at the same time (a group commit: a shared sha, each answer with its own change
 * id and files). Sending the same `id` twice applies it once (the second answer has
 * `duplicate: true` or the same sha).
 *
 * `append(request)` is for high-volume lines (conversation lines, resource samples): it
 * buffers the entry in Redis and returns without waiting; the writer commits buffered
 * entries in batches, every `registry.flush_interval_ms` or `flush_max_entries`.
 * `flush()` forces a batch and waits for its commit (tests, shutdown).
 *
 * Example:
 * ```ts
 * const registry = createRegistryClient(ctx);
 * await registry.change({
 *   id: `spawn-${agentId}-${jobId}`,
 *   message: `add agent ${agentId}`,
 *   changes: [
 *     { op: 'set', file: files.agents(), key: ['agents', agentId], value: config },
 *     { op: 'replace', file: files.agentState(agentId), content: { status: 'starting' } },
 *   ],
 * }, `user:${name}`);
 * await registry.append({ target: 'conversation', agentId, entry: { at, role: 'assistant', text } });
 * const agents = registry.read.agents();           // { a1: {...}, ... }
 * ```
 */
export interface ChangeOptions {
  /** default `normal` (registry changes), `high` for flushes and admin acts */
  priority?: PriorityName;
  /** default `registry.commit_timeout_ms` */
  timeoutMs?: number;
  correlationId?: string;
}

export interface RegistryReads {
  /** agents.toml `[agents.<id>]` tables, by id */
  agents(): Readonly<Record<string, TomlTable>>;
  agent(agentId: string): Readonly<TomlTable> | undefined;
  agentState(agentId: string): Readonly<TomlTable>;
  agentTasks(agentId: string): readonly TaskRecord[];
  agentMemory(agentId: string): Readonly<TomlTable>;
  /** one UTC day of an agent's conversation (closed days are read from the .gz) */
  conversation(agentId: string, date: string): readonly TomlTable[];
  /** the days an agent has conversation files for, oldest first, and whether each is closed (compressed) */
  conversationDays(agentId: string): { date: string; compressed: boolean }[];
  mcpServices(): Readonly<Record<string, TomlTable>>;
  relationships(): readonly TomlTable[];
  approvalHistory(): readonly TomlTable[];
  resourceSamples(): readonly TomlTable[];
}

export interface RegistryClient {
  readonly dir: string;
  /** where reads come from: this machine's folder, or what the writer published to Redis */
  readonly source: 'folder' | 'redis';
  readonly reader: RegistryReader;
  /** resolves once reads can be served (at once from a folder; from Redis, once the writer has published) */
  ready(): Promise<void>;
  /** reads reflect every commit published so far (from Redis: waits for the newest; a folder is always current) */
  caughtUp(): Promise<void>;
  readonly read: RegistryReads;
  toml(ref: FileRef): Readonly<TomlTable>;
  text(ref: FileRef): string | undefined;
  /** enqueue one change and wait for its commit */
  change(request: ChangeRequest, actor: Actor, options?: ChangeOptions): Promise<CommitResult>;
  /** enqueue one change without waiting; returns its change id (= job id) */
  submit(request: ChangeRequest, actor: Actor, options?: Omit<ChangeOptions, 'timeoutMs'>): Promise<string>;
  /** buffer one line for the next batched commit; does not wait for a commit */
  append(request: AppendRequest): Promise<void>;
  /** commit every buffered append now; null when there was nothing to commit */
  flush(options?: ChangeOptions): Promise<CommitResult | null>;
  /** `guardAdminOnly`: the requester is not an admin, so the writer refuses a diff that touches an admin-only file */
  rollback(to: RollbackJob['to'], actor: Actor, options?: ChangeOptions & { path?: string; guardAdminOnly?: boolean }): Promise<CommitResult>;
  branch(action: BranchAction, actor: Actor, options?: ChangeOptions & { guardAdminOnly?: boolean }): Promise<{ branch: string; current: string; sha: string | null }>;
  backup(actor: Actor, options?: ChangeOptions): Promise<{ remote: string; branches: string[] }>;
  /** rewrites every branch's history without secret values (an admin's consent: `confirm`) */
  purgeSecrets(actor: Actor, options?: ChangeOptions): Promise<{ rewrittenBlobs: number; branches: string[]; before: string; after: string }>;
  close(): Promise<void>;
}

export interface RegistryClientOptions {
  /** follow the event stream and drop cached files named by `registry.commit` events. Default false. */
  watchCommits?: boolean;
  /**
   * Keep one QueueEvents connection for every wait (default true; call `close()`), or open
   * one per wait and close it after (for owners with no shutdown hook, e.g. API routes
   * whose writes are rare).
   */
  sharedQueueEvents?: boolean;
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, where: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issues: FieldIssue[] = r.error.issues.map((i) => ({ path: [where, ...i.path.map(String)].join('.'), message: i.message, code: i.code }));
  throw new ValidationError(`invalid registry ${where}: ${issues.map((i) => `${i.path} ${i.message}`).join('; ')}`, issues);
}

const writerHere = new WeakSet<NoxContext>();

/** This process runs the registry writer (its folder is the registry): `auto` reads it from the folder. Call before the first client is made. */
export function markRegistryWriterHere(ctx: NoxContext): void {
  writerHere.add(ctx);
}

/**
 * `registry.reads`: `auto` reads the folder when it is the writer's — a git repository on
 * this machine — and Redis otherwise (a host on another machine, whose folder is empty or
 * absent); `redis` and `folder` force it. The writer's own process always reads its folder.
 */
export function readsFromRedis(ctx: NoxContext): boolean {
  // the writer's process reads the folder it writes, whatever the setting: it publishes
  // what the others read, and would otherwise wait for itself
  if (writerHere.has(ctx)) return false;
  const mode = ctx.config.registry.reads;
  if (mode !== 'auto') return mode === 'redis';
  return !existsSync(path.join(ctx.config.registryDir, '.git'));
}

export function createRegistryClient(ctx: NoxContext, options: RegistryClientOptions = {}): RegistryClient {
  const cfg = ctx.config.registry;
  const mirror: RegistryMirror | undefined = readsFromRedis(ctx) ? registryMirrorFor(ctx) : undefined;
  const reader = mirror?.reader ?? createRegistryReader(ctx.config.registryDir);
  const queue = ctx.queue('registry');
  let events: QueueEvents | undefined;
  let unsubscribe: (() => void) | undefined;
  let closed = false;

  const shared = options.sharedQueueEvents !== false;
  const queueEvents = async (): Promise<QueueEvents> => {
    if (!events) {
      const conn = ctx.connect('blocking', 'registry-client-events');
      const qe = createQueueEvents('registry', conn, ctx.keys, ctx.logger);
      // A client nobody closes must not keep the process alive once its context closes
      // the connection (QueueEvents would otherwise keep retrying it).
      conn.once('end', () => void qe.close().catch(() => undefined));
      events = qe;
    }
    await events.waitUntilReady();
    return events;
  };
  /** a QueueEvents for one wait, listening before the job is added; `done()` closes it */
  const listener = async (): Promise<{ qe: QueueEvents; done: () => Promise<void> }> => {
    if (shared) return { qe: await queueEvents(), done: async () => undefined };
    const conn = createRedis(ctx.redisUrl, 'blocking', ctx.logger, 'registry-client-wait');
    const qe = createQueueEvents('registry', conn, ctx.keys, ctx.logger);
    await qe.waitUntilReady();
    return {
      qe,
      done: async () => {
        await qe.close();
        await closeRedis(conn);
      },
    };
  };

  if (options.watchCommits && !mirror) {
    // commits made by any process drop what they changed from this reader's cache
    void eventFeedFor(ctx)
      .subscribe(
        (e) => reader.invalidate((e.data as CommitResult).files),
        (type) => type === REGISTRY_EVENT.commit,
      )
      .then(
        (off) => (closed ? off() : (unsubscribe = off)),
        (err: Error) => ctx.logger.warn('registry cache: cannot follow commits; reads may be stale until restart', { error: err.message }),
      );
  }

  const wait = async <R>(add: () => Promise<Job>, timeoutMs: number | undefined): Promise<R> => {
    const { qe, done } = await listener(); // listening before the job can finish
    try {
      const job = await add();
      return await waitForJob<R>(queue, qe, job, timeoutMs ?? cfg.commit_timeout_ms);
    } catch (err) {
      throw isNoxError(err) ? err : decodeJobError((err as Error).message);
    } finally {
      await done();
    }
  };

  const enqueue = async (name: string, data: object, jobId: string, priority: PriorityName): Promise<Job> =>
    queue.add(name, data, { jobId, priority: priorityOf(priority), attempts: 3 });

  const submitJob = async (request: ChangeRequest, actor: Actor, opts: Omit<ChangeOptions, 'timeoutMs'> = {}): Promise<Job> => {
    const checked = parseOrThrow(changeRequestSchema, request, 'change');
    const who = parseOrThrow(actorSchema, actor, 'actor');
    const id = checked.id ?? `c-${randomUUID()}`;
    const data: ChangeJob = { correlationId: opts.correlationId ?? randomUUID(), actor: who, request: { ...request, id } };
    return enqueue(REGISTRY_JOB.change, data, id, opts.priority ?? REGISTRY_PRIORITY.change);
  };

  const adminJob = async <R>(name: string, data: object, opts: ChangeOptions = {}): Promise<R> => {
    const result = await wait<R>(
      () => enqueue(name, { correlationId: opts.correlationId ?? randomUUID(), ...data }, `${name.replace('registry.', '')}-${randomUUID()}`, opts.priority ?? REGISTRY_PRIORITY.admin),
      opts.timeoutMs,
    );
    await mirror?.caughtUp();
    return result;
  };

  const table = (ref: FileRef, key: string): Readonly<Record<string, TomlTable>> => (reader.toml(ref)[key] ?? {}) as Record<string, TomlTable>;
  const list = <T = TomlTable>(ref: FileRef, key: string): readonly T[] => (reader.toml(ref)[key] ?? []) as T[];

  const read: RegistryReads = {
    agents: () => table(files.agents(), 'agents'),
    agent: (id) => table(files.agents(), 'agents')[id],
    agentState: (id) => reader.toml(files.agentState(id)),
    agentTasks: (id) => list<TaskRecord>(files.agentTasks(id), 'tasks'),
    agentMemory: (id) => reader.toml(files.agentMemory(id)),
    conversation: (id, date) => list(files.conversation(id, date), 'entries'),
    conversationDays: (id) => reader.conversationDays(id),
    mcpServices: () => table(files.mcpServices(), 'services'),
    relationships: () => list(files.relationships(), 'relationships'),
    approvalHistory: () => list(files.approvalHistory(), 'decisions'),
    resourceSamples: () => list(files.resourceUsage(), 'samples'),
  };

  return {
    dir: ctx.config.registryDir,
    source: mirror ? 'redis' : 'folder',
    reader,
    read,
    async ready() {
      await mirror?.ready();
    },
    async caughtUp() {
      await mirror?.caughtUp();
    },
    toml: (ref) => reader.toml(ref),
    text: (ref) => reader.text(ref),
    async submit(request, actor, opts = {}) {
      return (await submitJob(request, actor, opts)).id as string;
    },
    async change(request, actor, opts = {}) {
      const result = await wait<CommitResult>(() => submitJob(request, actor, opts), opts.timeoutMs);
      // read your own writes: the commit's files are in this host's copy before the caller reads
      if (mirror) await mirror.caughtUp(result.version);
      return result;
    },
    async append(request) {
      const checked = parseOrThrow(appendRequestSchema, request, 'append');
      const seq = await ctx.redis.incr(ctx.keys.registryAppendSeq());
      const entry = { ...checked.entry, at: typeof checked.entry.at === 'string' ? checked.entry.at : new Date().toISOString() };
      const length = await ctx.redis.rpush(ctx.keys.registryAppends(), JSON.stringify({ ...checked, entry, seq }));
      if (length >= cfg.flush_max_entries) {
        // One pending flush at a time (deduplicated); the writer drains in batches of M.
        await queue.add(REGISTRY_JOB.flush, { correlationId: randomUUID(), actor: 'system', fullBatchesOnly: true }, { deduplication: { id: 'registry-flush' }, priority: priorityOf(REGISTRY_PRIORITY.flush) });
      }
    },
    async flush(opts = {}) {
      return adminJob<CommitResult | null>(REGISTRY_JOB.flush, { actor: 'system' }, opts);
    },
    async rollback(to, actor, opts = {}) {
      const data: Omit<RollbackJob, 'correlationId'> = {
        actor: parseOrThrow(actorSchema, actor, 'actor'),
        to,
        ...(opts.path ? { path: opts.path } : {}),
        ...(opts.guardAdminOnly ? { guardAdminOnly: true } : {}),
      };
      return adminJob<CommitResult>(REGISTRY_JOB.rollback, data, opts);
    },
    async branch(action, actor, opts = {}) {
      const data: Omit<BranchJob, 'correlationId'> = { ...action, actor: parseOrThrow(actorSchema, actor, 'actor'), ...(opts.guardAdminOnly ? { guardAdminOnly: true } : {}) };
      return adminJob(REGISTRY_JOB.branch, data, opts);
    },
    async backup(actor, opts = {}) {
      const data: Omit<BackupJob, 'correlationId'> = { actor: parseOrThrow(actorSchema, actor, 'actor') };
      return adminJob(REGISTRY_JOB.backup, data, opts);
    },
    async purgeSecrets(actor, opts = {}) {
      const data: Omit<PurgeSecretsJob, 'correlationId'> = { actor: parseOrThrow(actorSchema, actor, 'actor'), confirm: true };
      return adminJob(REGISTRY_JOB.purgeSecrets, data, opts);
    },
    async close() {
      closed = true;
      unsubscribe?.();
      await events?.close();
    },
  };
}

const perContext = new WeakMap<NoxContext, RegistryClient>();

/**
 * The process's shared client: one cache and one QueueEvents connection per context for
 * every module that reads or changes the registry (API routes, agents, tasks, messaging),
 * closed with the context. Make a client of your own only for different options
 * (`watchCommits`, `sharedQueueEvents: false`) or when closing it must close just yours.
 */
export function registryClientFor(ctx: NoxContext): RegistryClient {
  let client = perContext.get(ctx);
  if (!client) {
    const created = createRegistryClient(ctx);
    perContext.set(ctx, created);
    ctx.onClose(() => created.close());
    client = created;
  }
  return client;
}
