import type { Redis } from 'ioredis';
import type { Keys } from '../keys.js';
import { files } from '../registry/layout.js';
import type { RegistryClient } from '../registry/registry-client.js';

/**
 * Topic subscriptions. agent-relationships.toml keeps them (`[[relationships]]` with
 * kind `subscribes`, from = the agent, to = `topic:<name>`), one commit per change; Redis
 * keeps a live set per topic that routing reads. Both are written on every change, the
 * registry first, so a subscription the API acknowledged is durable.
 */
export interface Topics {
  subscribe(agentId: string, topic: string, actor: string): Promise<boolean>;
  unsubscribe(agentId: string, topic: string, actor: string): Promise<boolean>;
  subscribers(topic: string): Promise<string[]>;
  list(): Promise<{ topic: string; subscribers: string[] }[]>;
  /** rebuilds the live sets from the registry (a Redis that lost them) */
  reload(): Promise<number>;
}

const relationId = (agentId: string, topic: string): string => `sub.${agentId}.${topic}`;

export function createTopics(redis: Redis, keys: Keys, registry: RegistryClient): Topics {
  const topics: Topics = {
    async subscribe(agentId, topic, actor) {
      await registry.change(
        {
          id: `subscribe-${agentId}-${topic}-${Date.now()}`,
          message: `${agentId} subscribes to topic ${topic}`,
          changes: [{ op: 'upsert', file: files.relationships(), key: ['relationships'], item: { id: relationId(agentId, topic), from: agentId, to: `topic:${topic}`, kind: 'subscribes', since: new Date().toISOString() } }],
        },
        actor as never,
      );
      const [added] = (await redis.multi().sadd(keys.topicSubscribers(topic), agentId).sadd(keys.topics(), topic).exec()) ?? [];
      return added?.[1] === 1;
    },
    async unsubscribe(agentId, topic, actor) {
      await registry.change(
        {
          id: `unsubscribe-${agentId}-${topic}-${Date.now()}`,
          message: `${agentId} unsubscribes from topic ${topic}`,
          changes: [{ op: 'delete-item', file: files.relationships(), key: ['relationships'], id: relationId(agentId, topic) }],
        },
        actor as never,
      );
      return (await redis.srem(keys.topicSubscribers(topic), agentId)) === 1;
    },
    subscribers: (topic) => redis.smembers(keys.topicSubscribers(topic)),
    async list() {
      const names = (await redis.smembers(keys.topics())).sort();
      return Promise.all(names.map(async (topic) => ({ topic, subscribers: (await topics.subscribers(topic)).sort() })));
    },
    async reload() {
      let n = 0;
      for (const r of registry.read.relationships()) {
        if (r.kind !== 'subscribes' || typeof r.to !== 'string' || !r.to.startsWith('topic:') || typeof r.from !== 'string') continue;
        await redis.multi().sadd(keys.topicSubscribers(r.to.slice(6)), r.from).sadd(keys.topics(), r.to.slice(6)).exec();
        n++;
      }
      return n;
    },
  };
  return topics;
}
