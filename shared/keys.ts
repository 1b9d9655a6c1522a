import { assertValidId } from './ids.js';

/**
 * Every Redis key and BullMQ queue name Nox uses is built here, under one prefix.
 *
 * The default prefix `{nox}` is a Redis Cluster hash tag: every key hashes to the same
 * slot, which BullMQ's multi-key Lua scripts and our MULTI blocks require on a cluster.
 * Tests pass a unique prefix so that they never see each other's keys.
 */
export const SHARED_QUEUES = ['spawn', 'messages', 'tasks', 'approvals', 'registry', 'mcp'] as const;
export type SharedQueueName = (typeof SHARED_QUEUES)[number];

export interface Keys {
  readonly prefix: string;
  /** the `prefix` option for every BullMQ Queue/Worker/QueueEvents */
  readonly bullPrefix: string;
  /** BullMQ queue name of a host's own queue (BullMQ refuses ':' in queue names) */
  hostQueue(hostId: string): string;
  /** set of every host id ever registered and not yet reaped */
  hosts(): string;
  /** hash: a host's registration */
  host(hostId: string): string;
  /** string with a TTL: present while the host heartbeats */
  hostAlive(hostId: string): string;
  /** marker set once when a host is first seen dead (so `host.down` is emitted once) */
  hostDownReported(hostId: string): string;
  /** the bounded stream of domain events */
  events(): string;
  /** rate-limit counters (express-rate-limit's store prefix) */
  rateLimit(scope: string): string;
  /** anything else, under the prefix: `k('agent', id, 'inbox')` */
  k(...parts: string[]): string;
}

export function makeKeys(prefix = '{nox}'): Keys {
  const k = (...parts: string[]): string => [prefix, ...parts].join(':');
  return {
    prefix,
    bullPrefix: prefix,
    hostQueue: (hostId) => `host.${assertValidId(hostId, 'hostId')}`,
    hosts: () => k('hosts'),
    host: (hostId) => k('host', assertValidId(hostId, 'hostId')),
    hostAlive: (hostId) => k('host', assertValidId(hostId, 'hostId'), 'alive'),
    hostDownReported: (hostId) => k('host', assertValidId(hostId, 'hostId'), 'down-reported'),
    events: () => k('events'),
    rateLimit: (scope) => `${k('ratelimit', scope)}:`,
    k,
  };
}
