import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { zsetPageDesc, type ZKey } from '../zset-keyset.js';
import { addressingOf, senderAgent, type Message } from './message-model.js';

/**
 * The message log in Redis: each message once (JSON, kept `messages.keep_ms`), indexed by
 * time overall, per agent (sent or received) and per topic. `GET /api/messages` pages it
 * newest first, by keyset (shared/zset-keyset.ts): a page starts after the (time, id) of the
 * previous page's last message. The registry keeps the long record (the agents' conversation files).
 */
export interface MessageQuery {
  agent?: string;
  topic?: string;
  /** epoch ms, inclusive */
  since?: number;
  /** epoch ms, inclusive */
  until?: number;
  /** the (time, id) of the previous page's last message */
  after?: ZKey;
  limit: number;
}

export interface MessageLog {
  /** stores the message and indexes it for its sender and recipients; idempotent */
  record(message: Message, recipients: readonly string[], keepMs: number, maxLog: number): Promise<void>;
  /**
   * `record` for several messages: one SET each, one ZADD and one trim per index whatever
   * their number. Every command is sent before it returns (callers send what must follow the
   * records right after, on the same connection).
   */
  recordMany(entries: readonly { message: Message; recipients: readonly string[] }[], keepMs: number, maxLog: number): Promise<void>;
  get(messageId: string): Promise<Message | undefined>;
  many(messageIds: readonly string[]): Promise<(Message | undefined)[]>;
  /** `next`: the key to ask the next page after (absent at the end) */
  query(q: MessageQuery): Promise<{ messages: Message[]; total: number; next?: ZKey }>;
}

export function createMessageLog(redis: Redis, keys: Keys): MessageLog {
  const parse = (s: string | null): Message | undefined => (s ? (JSON.parse(s) as Message) : undefined);
  return {
    record(message, recipients, keepMs, maxLog) {
      return this.recordMany([{ message, recipients }], keepMs, maxLog);
    },
    async recordMany(entries, keepMs, maxLog) {
      // NX everywhere: a message routed again (a retried job, an id sent twice) keeps its first
      // record. Plain commands, not MULTI: they join the connection's auto-pipeline.
      const writes: Promise<unknown>[] = [];
      /** index key → score, member, score, member, ... and its newest time */
      const indexes = new Map<string, { args: (string | number)[]; newest: number }>();
      const index = (key: string, at: number, id: string): void => {
        const entry = indexes.get(key) ?? { args: [], newest: 0 };
        entry.args.push(at, id);
        entry.newest = Math.max(entry.newest, at);
        indexes.set(key, entry);
      };
      const topics = new Set<string>();
      for (const { message, recipients } of entries) {
        const at = Date.parse(message.timestamp) || Date.now();
        writes.push(redis.set(keys.message(message.id), JSON.stringify({ ...message, recipients }), 'PX', keepMs, 'NX'));
        index(keys.messageLog(), at, message.id);
        const parties = new Set(recipients);
        const from = senderAgent(message.from);
        if (from) parties.add(from);
        for (const agentId of parties) index(keys.agentMessages(agentId), at, message.id);
        const address = addressingOf(message.to);
        if (address.kind === 'topic') {
          index(keys.topicMessages(address.topic), at, message.id);
          topics.add(address.topic);
        }
      }
      for (const [key, { args, newest }] of indexes) {
        writes.push(redis.zadd(key, 'NX', ...args));
        // the log is bounded by count, the per-agent and per-topic indexes by age
        writes.push(key === keys.messageLog() ? redis.zremrangebyrank(key, 0, -maxLog - 1) : redis.zremrangebyscore(key, '-inf', newest - keepMs));
      }
      if (topics.size > 0) writes.push(redis.sadd(keys.topics(), ...topics));
      await Promise.all(writes);
    },
    async get(messageId) {
      return parse(await redis.get(keys.message(messageId)));
    },
    async many(ids) {
      if (ids.length === 0) return [];
      return (await redis.mget(...ids.map((id) => keys.message(id)))).map(parse);
    },
    async query(q) {
      const index = q.agent ? keys.agentMessages(q.agent) : q.topic ? keys.topicMessages(q.topic) : keys.messageLog();
      const [total, page] = await Promise.all([
        redis.zcount(index, q.since ?? '-inf', q.until ?? '+inf'),
        zsetPageDesc(redis, index, { ...(q.since === undefined ? {} : { min: q.since }), ...(q.until === undefined ? {} : { max: q.until }), ...(q.after ? { after: q.after } : {}), limit: q.limit }),
      ]);
      // a message whose JSON expired is left out; the walk goes on from the last key read
      let messages = (await this.many(page.items.map((k) => k.member))).filter((m): m is Message => m !== undefined);
      // an agent's log filtered by topic too (a page may then be short)
      if (q.agent && q.topic) messages = messages.filter((m) => m.to === `topic:${q.topic}`);
      const last = page.items.at(-1);
      return { messages, total, ...(page.more && last ? { next: last } : {}) };
    },
  };
}
