import { registryClientFor } from '../../shared/registry/registry-client.js';
import { appendConversation, type ConversationEntry } from '../../shared/agents/conversation-log.js';
import { errorFields } from '../../shared/logger.js';
import type { NoxContext } from '../../shared/runtime/context.js';

/**
 * Batches conversation entries of every agent on the host and writes them together every
 * `agent.conversation_flush_ms` (one pipeline per flush instead of one round trip per
 * stdout line): to the recent window in Redis that the API pages, and — with
 * `agent.registry_appends` — to the registry's batched appends
 * (agents/<id>/conversations/<day>.toml, committed in batches by the registry writer; the
 * raw line goes in as `raw_json` because TOML has no null). A failed flush keeps the
 * entries for the next one; `lastError`/`lastRunAt` are for health checks.
 */
export interface ConversationBuffer {
  add(agentId: string, entry: Omit<ConversationEntry, 'seq'>): void;
  flush(): Promise<void>;
  stop(): Promise<void>;
  readonly lastError: Error | undefined;
  readonly lastRunAt: number;
  readonly pending: number;
}

/** Entries held for one agent while Redis is away; older ones are dropped past this. */
const MAX_PENDING_PER_AGENT = 10_000;

export function createConversationBuffer(ctx: NoxContext): ConversationBuffer {
  const { conversation_flush_ms: every, conversation_keep: keep } = ctx.config.agent;
  let pending = new Map<string, Omit<ConversationEntry, 'seq'>[]>();
  const registry = ctx.config.agent.registry_appends ? registryClientFor(ctx) : undefined;
  let lastError: Error | undefined;
  let lastRunAt = 0;
  let flushing: Promise<void> | undefined;

  const flushOnce = async (): Promise<void> => {
    if (pending.size === 0) return;
    const batch = pending;
    pending = new Map();
    try {
      await Promise.all([...batch].map(([agentId, entries]) => appendConversation(ctx.redis, ctx.keys, agentId, entries, keep)));
      if (registry) {
        const appends = [...batch].flatMap(([agentId, entries]) =>
          entries.map((e) =>
            registry.append({
              target: 'conversation',
              agentId,
              entry: {
                at: e.at,
                kind: e.kind,
                ...(e.text === undefined ? {} : { text: e.text }),
                ...(e.raw === undefined ? {} : { raw_json: JSON.stringify(e.raw) }),
                ...(e.correlationId === undefined ? {} : { correlation_id: e.correlationId }),
              },
            }),
          ),
        );
        const failed = (await Promise.allSettled(appends)).filter((r) => r.status === 'rejected');
        if (failed.length > 0) ctx.logger.warn('registry conversation appends failed', { failed: failed.length, error: String((failed[0] as PromiseRejectedResult).reason) });
      }
      lastError = undefined;
      lastRunAt = Date.now();
    } catch (err) {
      lastError = err as Error;
      ctx.logger.warn('conversation flush failed; keeping entries for the next flush', errorFields(err));
      for (const [agentId, entries] of batch) pending.set(agentId, [...entries, ...(pending.get(agentId) ?? [])].slice(-MAX_PENDING_PER_AGENT));
    }
  };
  const flush = (): Promise<void> => {
    flushing = (flushing ?? Promise.resolve()).then(flushOnce);
    return flushing;
  };
  const timer = setInterval(() => void flush(), every);
  timer.unref();

  return {
    add(agentId, entry) {
      const list = pending.get(agentId) ?? [];
      list.push(entry);
      if (list.length > MAX_PENDING_PER_AGENT) list.shift();
      pending.set(agentId, list);
    },
    flush,
    async stop() {
      clearInterval(timer);
      await flush();
    },
    get lastError() {
      return lastError;
    },
    get lastRunAt() {
      return lastRunAt;
    },
    get pending() {
      let n = 0;
      for (const l of pending.values()) n += l.length;
      return n;
    },
  };
}
