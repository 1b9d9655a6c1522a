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
  get(messageId: string): Promise<Message | undefined>;
  many(messageIds: readonly string[]): Promise<(Message | undefined)[]>;
  /** `next`: the key to ask the next page after (absent at the end) */
  query(q: MessageQuery): Promise<{ messages: Message[]; total: number; next?: ZKey }>;
}

export function createMessageLog(redis: Redis, keys: Keys): MessageLog {
  const parse = (s: string | null): Message | undefined => (s ? (JSON.parse(s) as Message) : undefined);
  return {
    async record(message, recipients, keepMs, maxLog) {
      const at = Date.parse(message.timestamp) || Date.now();
      // NX everywhere: a message routed again (a retried job, an id sent twice) keeps its first
      // record. Plain commands, not MULTI: they join the connection's auto-pipeline.
      const writes: Promise<unknown>[] = [
        redis.set(keys.message(message.id), JSON.stringify({ ...message, recipients }), 'PX', keepMs, 'NX'),
        redis.zadd(keys.messageLog(), 'NX', at, message.id),
        redis.zremrangebyrank(keys.messageLog(), 0, -maxLog - 1),
      ];
      const parties = new Set(recipients);
      const from = senderAgent(message.from);
      if (from) parties.add(from);
      for (const agentId of parties) writes.push(redis.zadd(keys.agentMessages(agentId), 'NX', at, message.id), redis.zremrangebyscore(keys.agentMessages(agentId), '-inf', at - keepMs));
      const address = addressingOf(message.to);
      if (address.kind === 'topic') {
        writes.push(redis.zadd(keys.topicMessages(address.topic), 'NX', at, message.id), redis.zremrangebyscore(keys.topicMessages(address.topic), '-inf', at - keepMs), redis.sadd(keys.topics(), address.topic));
      }
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
