import { z } from 'zod';
import { ID_PATTERN } from '../ids.js';
import type { PriorityName } from '../types.js';
import { fileRefSchema } from './layout.js';

/**
 * What a registry change request looks like, and the jobs of the `registry` queue.
 *
 * A change request is a list of operations applied together — all or none — and committed
 * attributed to the actor and described by `message` (in one git commit of its own, or with
 * the requests waiting with it: docs/REGISTRY.md, Group commits). Operations name files by
 * `FileRef` (never by path) and edit TOML by key path, so that two callers changing
 * different keys of agents.toml do not overwrite each other: the writer applies each
 * operation to the file as it is when the job runs (requests are serialised by the
 * concurrency-1 writer, in priority then arrival order).
 *
 * Operations (TOML files unless said otherwise):
 * - `set`       key path := value (tables on the way are created)
 * - `merge`     shallow-merge a table into the table at key path ([] = the document)
 * - `unset`     remove the key path (no-op when absent)
 * - `push`      append items to the array at key path; `max` keeps only the newest N
 * - `upsert`    in the array of tables at key path, replace the item whose `idField`
 *               equals the new item's, or append it
 * - `delete-item` remove the item with that id from the array of tables at key path
 * - `replace`   the whole document
 * - `write-text` the whole text of a markdown file (tasks/<id>.md only)
 * - `remove`    delete the file
 */

/** Segments of a TOML key path. `__proto__` and friends are refused (prototype pollution). */
const keySegment = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[^\u0000-\u001f]+$/, 'must not contain control characters')
  .refine((s) => !['__proto__', 'constructor', 'prototype'].includes(s), 'reserved key');
const keyPath = z.array(keySegment).max(16);
const table = z.record(z.string(), z.unknown());

export const changeOpSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('set'), file: fileRefSchema, key: keyPath.min(1), value: z.unknown() }).strict(),
  z.object({ op: z.literal('merge'), file: fileRefSchema, key: keyPath, value: table }).strict(),
  z.object({ op: z.literal('unset'), file: fileRefSchema, key: keyPath.min(1) }).strict(),
  z
    .object({ op: z.literal('push'), file: fileRefSchema, key: keyPath.min(1), items: z.array(z.unknown()).min(1), max: z.number().int().positive().optional() })
    .strict(),
  z.object({ op: z.literal('upsert'), file: fileRefSchema, key: keyPath.min(1), item: table, idField: keySegment.default('id') }).strict(),
  z
    .object({ op: z.literal('delete-item'), file: fileRefSchema, key: keyPath.min(1), id: z.union([z.string(), z.number()]), idField: keySegment.default('id') })
    .strict(),
  z.object({ op: z.literal('replace'), file: fileRefSchema, content: table }).strict(),
  z.object({ op: z.literal('write-text'), file: fileRefSchema, text: z.string().max(5_000_000) }).strict(),
  z.object({ op: z.literal('remove'), file: fileRefSchema }).strict(),
]);
export type ChangeOp = z.input<typeof changeOpSchema>;
export type ParsedChangeOp = z.output<typeof changeOpSchema>;

/** `user:<name>`, `agent:<id>` or `system`: who the commit is authored by. */
export const actorSchema = z
  .string()
  .regex(/^(system|user:[A-Za-z0-9_.@-]{1,64}|agent:[a-z0-9][a-z0-9-]{0,62})$/, 'must be system, user:<name> or agent:<id>');
export type Actor = z.infer<typeof actorSchema>;

/** `user:<name>` for a person, with characters outside the actor alphabet folded to `_`. */
export function userActor(name: string): Actor {
  return `user:${name.replace(/[^A-Za-z0-9_.@-]/g, '_').slice(0, 64) || 'unknown'}`;
}

/** Idempotency keys: safe as BullMQ job ids (no ':' — BullMQ uses it as a separator). */
export const changeIdSchema = z.string().regex(/^[A-Za-z0-9_.-]{1,128}$/, 'letters, digits and _.- only (max 128)');

export const changeRequestSchema = z
  .object({
    /** idempotency key: the same id is applied once, however often it is sent */
    id: changeIdSchema.optional(),
    /** says what changed; becomes the commit subject */
    message: z.string().min(1).max(200).regex(/^[^\n\r]+$/, 'one line'),
    changes: z.array(changeOpSchema).min(1).max(500),
  })
  .strict();
export type ChangeRequest = z.input<typeof changeRequestSchema>;

/** High-volume appends: buffered, committed in batches, never one commit per entry. */
export const appendRequestSchema = z.discriminatedUnion('target', [
  z
    .object({
      target: z.literal('conversation'),
      agentId: z.string().regex(ID_PATTERN),
      /** one conversation line; `at` (ISO time) picks the day file and defaults to now */
      entry: table,
    })
    .strict(),
  z.object({ target: z.literal('resource-usage'), entry: table }).strict(),
  /** one audit trail entry (api/audit/audit-log.ts); `at` picks the day file audit/<YYYY-MM-DD>.toml */
  z.object({ target: z.literal('audit'), entry: table }).strict(),
]);
export type AppendRequest = z.input<typeof appendRequestSchema>;

/** Job names on the `registry` queue. */
export const REGISTRY_JOB = {
  change: 'registry.change',
  flush: 'registry.flush',
  rollback: 'registry.rollback',
  branch: 'registry.branch',
  backup: 'registry.backup',
  purgeSecrets: 'registry.purge-secrets',
} as const;

export interface RegistryJobBase {
  correlationId: string;
  actor: Actor;
}
export interface ChangeJob extends RegistryJobBase {
  request: ChangeRequest & { id: string };
}
export interface RollbackJob extends RegistryJobBase {
  /** a commit (sha or unique prefix) or an ISO time; exactly one */
  to: { sha: string } | { time: string };
  /** limit the rollback to one file or folder (relative path) */
  path?: string;
  /** asked by someone other than an admin: refuse when the diff touches an admin-only file (admin-only-files.ts) */
  guardAdminOnly?: boolean;
}
export type BranchAction = { action: 'create'; name: string; from?: string } | { action: 'switch'; name: string } | { action: 'merge'; name: string; into?: string } | { action: 'delete'; name: string };
/** `guardAdminOnly`: as for a rollback, a switch or merge that would change an admin-only file is refused */
export type BranchJob = RegistryJobBase & BranchAction & { guardAdminOnly?: boolean };
export type BackupJob = RegistryJobBase;
/** rewrite history without secrets (workers/registry/purge-secrets.ts); `confirm` is the person's consent */
export interface PurgeSecretsJob extends RegistryJobBase {
  confirm: true;
}

/** Branch names: simple, so they are never options or refspec tricks. */
export const BRANCH_PATTERN = /^[a-z0-9][a-z0-9._/-]{0,62}$/;
export const branchNameSchema = z
  .string()
  .regex(BRANCH_PATTERN, `must match ${BRANCH_PATTERN.source}`)
  .refine((s) => !s.includes('..') && !s.endsWith('.lock') && !s.endsWith('/') && !s.includes('//'), 'not a valid branch name');

/** What the writer answers for every commit-producing job (also the `registry.commit` event data). */
export interface CommitResult {
  /** full sha of the new commit; null when the change left every file as it was */
  sha: string | null;
  changeId: string;
  actor: Actor;
  message: string;
  /** relative paths the commit touched */
  files: string[];
  branch: string;
  kind: 'change' | 'batch' | 'rollback' | 'merge' | 'external' | 'compact' | 'init';
  /** true when this change id had already been applied (a retried or repeated request) */
  duplicate?: boolean;
  /** the publication to Redis that carries this commit's files (registry-publication.ts); absent when nothing was committed */
  version?: number;
}

export const REGISTRY_EVENT = {
  commit: 'registry.commit',
  branch: 'registry.branch',
  backup: 'registry.backup',
  purgeSecrets: 'registry.secrets-purged',
  taskEdit: 'task.updated',
  taskEditError: 'task.edit-error',
} as const;

/** Priority of registry jobs: explicit, as every job in Nox. */
export const REGISTRY_PRIORITY: Record<'change' | 'flush' | 'admin', PriorityName> = {
  change: 'normal',
  flush: 'high',
  admin: 'high',
};

