import type { Queue } from 'bullmq';
import type { JobEnvelope } from '../queues/jobs.js';
import type { Message } from './message-model.js';
import { routeBatchJobOf, routeJobOf } from './message-sender.js';

/**
 * Single sends that arrive together, routed by one job: the messages of concurrent
 * `POST /api/messages` requests are gathered per turn of the event loop into one
 * `message.route-batch` job (a send alone stays a `message.route` job, `route.<message id>`).
 * Under load a host then pays the queue's per-job work (fetch, lock, complete) once per group
 * instead of once per message, and routes the group in three rounds of Redis commands
 * (workers/messages/route-handler.ts); alone, a send waits only until the end of the current
 * turn (setImmediate).
 *
 * Nothing about delivery changes: each message keeps its own envelope (its request's
 * correlation id and requester), routing stays idempotent per message (a retried job adds
 * nothing to an inbox that has the message), and the group's job id comes from its message
 * ids. The group goes out in message order: the order the requests were handled. If the
 * write fails, every send in it fails with that error (none is reported accepted).
 */
export interface RouteGatherer {
  send(message: Message, envelope: JobEnvelope): Promise<void>;
}

/** messages routed by one job, at most (a bigger group goes as several jobs) */
export const GROUP_MAX = 200;

interface Pending {
  message: Message;
  envelope: JobEnvelope;
  /** every send of this message in this turn */
  settled: { resolve(): void; reject(err: unknown): void }[];
}

export function createRouteGatherer(queue: () => Queue): RouteGatherer {
  // this turn's sends, by message id, in the order they came
  let pending = new Map<string, Pending>();

  const write = (group: Pending[]): Promise<unknown> => {
    if (group.length === 1) {
      const { message, envelope } = group[0]!;
      const job = routeJobOf(message, { correlationId: envelope.correlationId, requestedBy: envelope.requestedBy });
      return queue().add(job.name, job.data, job.opts);
    }
    const envelopes = group.map(({ envelope }) => ({ correlationId: envelope.correlationId, requestedBy: envelope.requestedBy }));
    const job = routeBatchJobOf(
      group.map((p) => p.message),
      envelopes[0]!,
      envelopes,
    );
    return queue().add(job.name, job.data, job.opts);
  };

  const flush = (): void => {
    const batch = [...pending.values()];
    pending = new Map();
    for (let i = 0; i < batch.length; i += GROUP_MAX) {
      const group = batch.slice(i, i + GROUP_MAX);
      write(group).then(
        () => group.forEach((p) => p.settled.forEach((s) => s.resolve())),
        (err: unknown) => group.forEach((p) => p.settled.forEach((s) => s.reject(err))),
      );
    }
  };

  return {
    send(message, envelope) {
      // the same message sent twice in one turn (a client's retry with its own id) is one
      // entry: routing would take it once anyway, and a job lists each message once
      const same = pending.get(message.id);
      if (same) return new Promise<void>((resolve, reject) => same.settled.push({ resolve, reject }));
      return new Promise<void>((resolve, reject) => {
        if (pending.size === 0) setImmediate(flush);
        pending.set(message.id, { message, envelope, settled: [{ resolve, reject }] });
      });
    },
  };
}
