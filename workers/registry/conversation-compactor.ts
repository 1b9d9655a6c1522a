import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { isValidId } from '../../shared/ids.js';
import type { CommitResult } from '../../shared/registry/changes.js';
import { DATE_PATTERN, insideOrThrow, utcDate } from '../../shared/registry/layout.js';
import { atomicWrite } from '../../shared/registry/toml-io.js';
import { commitChange, type WriterState } from './writer-state.js';

/**
 * Closed conversation days (any UTC day before today) are gzip-compressed:
 * `<date>.toml` → `<date>.toml.gz`, in one commit. Readers fall back to the `.gz`
 * transparently (shared/registry/toml-io.ts `readText`).
 */
export function closedDayFiles(dir: string, today = utcDate()): string[] {
  const root = path.join(dir, 'agents');
  if (!existsSync(root)) return [];
  const out: string[] = [];
  for (const agent of readdirSync(root)) {
    if (!isValidId(agent)) continue;
    const conv = path.join(root, agent, 'conversations');
    if (!existsSync(conv)) continue;
    for (const f of readdirSync(conv)) {
      const m = /^(\d{4}-\d{2}-\d{2})\.toml$/.exec(f);
      if (m && DATE_PATTERN.test(m[1]!) && m[1]! < today) out.push(`agents/${agent}/conversations/${f}`);
    }
  }
  return out.sort();
}

export async function compactClosedDays(state: WriterState, correlationId: string, today = utcDate()): Promise<CommitResult | null> {
  const closed = closedDayFiles(state.dir, today);
  if (closed.length === 0) return null;
  return commitChange(state, {
    changeId: `compact-${today}-${closed.length}-${Date.now()}`,
    actor: 'system',
    message: `compress ${closed.length} closed conversation day(s)`,
    kind: 'compact',
    correlationId,
    journalPaths: closed.flatMap((r) => [r, `${r}.gz`]),
    write: () => {
      const paths: string[] = [];
      for (const rel of closed) {
        const abs = insideOrThrow(state.dir, rel);
        atomicWrite(`${abs}.gz`, gzipSync(readFileSync(abs), { level: 9 }));
        rmSync(abs);
        paths.push(rel, `${rel}.gz`);
      }
      return paths;
    },
  });
}
