import { appendFileSync, closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { AppendRequest, CommitResult } from '../../shared/registry/changes.js';
import { auditDayPath, compressedPathOf, files, insideOrThrow, relativePathOf, utcDate } from '../../shared/registry/layout.js';
import { atomicWrite, stringifyToml } from '../../shared/registry/toml-io.js';
import { planChange, writePlanned } from './apply-change.js';
import { commitChange, type WriterState } from './writer-state.js';

/**
 * `registry.flush`: commits buffered appends (conversation lines, resource samples) as
 * one commit per batch of at most `flush_max_entries`, until the buffer is empty.
 *
 * Applied once: every entry has a sequence number; the commit records the highest one
 * (`Nox-Append-Seq` trailer) and only then are the entries removed from the Redis list.
 * A writer killed between the commit and the trim skips those entries next time.
 */
type Buffered = AppendRequest & { seq: number; entry: Record<string, unknown> & { at: string } };

export async function flushAppends(state: WriterState, correlationId: string, options: { fullBatchesOnly?: boolean } = {}): Promise<CommitResult | null> {
  const { redis, keys, config } = state.ctx;
  const max = config.registry.flush_max_entries;
  let last: CommitResult | null = null;
  for (;;) {
    const raw = await redis.lrange(keys.registryAppends(), 0, max - 1);
    if (raw.length === 0) return last;
    // A flush asked for because the buffer filled up commits full batches only; the rest
    // waits for the interval flush, so a steady stream makes few, large commits.
    if (options.fullBatchesOnly && raw.length < max) return last;
    const entries: Buffered[] = [];
    for (const r of raw) {
      try {
        const e = JSON.parse(r) as Buffered;
        if (e.seq > state.appendSeq) entries.push(e);
      } catch {
        state.logger.warn('dropping an unreadable buffered append', { raw: r.slice(0, 200) });
      }
    }
    if (entries.length > 0) last = await commitBatch(state, entries, correlationId);
    await redis.ltrim(keys.registryAppends(), raw.length, -1);
  }
}

async function commitBatch(state: WriterState, entries: Buffered[], correlationId: string): Promise<CommitResult> {
  const first = entries[0]!.seq;
  const lastSeq = entries[entries.length - 1]!.seq;
  // day files that only grow: conversations (per agent and day) and the audit trail (per day)
  const conversations = new Map<string, Record<string, unknown>[]>();
  const dayFile = (rel: string, entry: Record<string, unknown>): void => {
    const list = conversations.get(rel) ?? [];
    list.push(entry);
    conversations.set(rel, list);
  };
  const samples: Record<string, unknown>[] = [];
  let audited = 0;
  for (const e of entries) {
    if (e.target === 'conversation') dayFile(relativePathOf(files.conversation(e.agentId, utcDate(e.entry.at))), e.entry);
    else if (e.target === 'audit') {
      dayFile(auditDayPath(utcDate(e.entry.at)), e.entry);
      audited++;
    } else samples.push(e.entry);
  }
  const usage = relativePathOf(files.resourceUsage());
  const journalPaths = [...[...conversations.keys()].flatMap((r) => [r, compressedPathOf(r)]), ...(samples.length ? [usage] : [])];
  const agents = [...new Set(entries.flatMap((e) => (e.target === 'conversation' ? [e.agentId] : [])))];
  const parts = [
    agents.length ? `${entries.length - samples.length - audited} conversation line(s) of ${agents.slice(0, 5).join(', ')}${agents.length > 5 ? ', ...' : ''}` : '',
    samples.length ? `${samples.length} resource sample(s)` : '',
    audited ? `${audited} audit entr${audited === 1 ? 'y' : 'ies'}` : '',
  ].filter(Boolean);

  const result = await commitChange(state, {
    changeId: `batch-${first}-${lastSeq}`,
    actor: 'system',
    message: `append ${parts.join(' and ')}`,
    kind: 'batch',
    correlationId,
    journalPaths,
    trailers: { appendSeq: String(lastSeq) },
    write: () => {
      const paths: string[] = [];
      for (const [rel, lines] of conversations) paths.push(...appendConversation(state.dir, rel, lines));
      if (samples.length) {
        const writes = planChange(state.dir, [
          { op: 'push', file: files.resourceUsage(), key: ['samples'], items: samples, max: state.ctx.config.registry.resource_samples_kept },
        ]);
        paths.push(...writePlanned(state.dir, writes));
      }
      return paths;
    },
  });
  state.appendSeq = lastSeq;
  return result;
}

/**
 * Appends `[[entries]]` blocks to a day file. Appending at the end of a TOML document is
 * valid for an array of tables, so the file is never re-parsed (a day can grow large).
 * A closed day that gets a late line is reopened (decompressed); compaction closes it again.
 */
function appendConversation(dir: string, rel: string, lines: Record<string, unknown>[]): string[] {
  const abs = insideOrThrow(dir, rel);
  const gzRel = compressedPathOf(rel);
  const gzAbs = insideOrThrow(dir, gzRel);
  const touched = [rel];
  if (!existsSync(abs) && existsSync(gzAbs)) {
    atomicWrite(abs, gunzipSync(readFileSync(gzAbs)));
    rmSync(gzAbs);
    touched.push(gzRel);
  }
  const block = stringifyToml({ entries: lines });
  if (!existsSync(abs)) {
    atomicWrite(abs, block);
  } else {
    appendFileSync(abs, `\n${block}`);
    const fd = openSync(abs, 'r');
    fsyncSync(fd);
    closeSync(fd);
  }
  return touched;
}
