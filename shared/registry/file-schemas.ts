import { z } from 'zod';
import { ID_PATTERN } from '../ids.js';
import type { Family } from './layout.js';
import { taskRecordSchema } from './task-record.js';

/**
 * What each registry TOML file must look like, checked on every read (and before every
 * write, so a change never turns a valid file into an invalid one). Top-level shapes are
 * fixed; inner records stay open (`looseObject`) so each area can add fields without
 * touching this file. system-config.toml is checked by shared/config, not here.
 */
const table = z.record(z.string(), z.unknown());

/**
 * Files that are one table per id under a single top-level key. They are read and written
 * section by section (keyed-toml.ts), and their schema checks each id's table on its own —
 * so checking `{key: {id: table}}` is checking that section's part of the file. Keep it so.
 */
export const KEYED_TABLES: Readonly<Partial<Record<Family, string>>> = { agents: 'agents', 'mcp-services': 'services' };

const byId = z.record(z.string().regex(ID_PATTERN, `table names must be ids matching ${ID_PATTERN.source}`), table);
const stamped = z.looseObject({ at: z.string().min(1) });

export const FILE_SCHEMAS: Readonly<Record<Exclude<Family, 'tasks-md'>, z.ZodType>> = {
  /** `[agents.<id>]` — one table per agent: its configuration */
  agents: z.looseObject({ agents: byId.optional() }),
  /** `[services.<id>]` — MCP services (image, command, env, limits) */
  'mcp-services': z.looseObject({ services: byId.optional() }),
  /** `[[relationships]]` — from, to, kind */
  'agent-relationships': z.looseObject({
    relationships: z.array(z.looseObject({ from: z.string(), to: z.string(), kind: z.string() })).optional(),
  }),
  /** `[[samples]]` — at, agentId, cpu, memory... (appended in batches) */
  'resource-usage': z.looseObject({ samples: z.array(stamped).optional() }),
  /** `[[decisions]]` — every approval decision */
  'approval-history': z.looseObject({ decisions: z.array(table).optional() }),
  'system-config': table,
  /** `[projects.<name>]` — repositories agents work on in worktrees (docs/WORKTREES.md) */
  projects: z.looseObject({ projects: byId.optional() }),
  'agent-state': table,
  /** `[[tasks]]` */
  'agent-tasks': z.looseObject({ tasks: z.array(taskRecordSchema).optional() }),
  'agent-memory': table,
  /** `[[entries]]` — one per conversation line (appended in batches) */
  conversation: z.looseObject({ entries: z.array(stamped).optional() }),
};
