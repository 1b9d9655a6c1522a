/**
 * Job names and payloads of the queues. Every payload carries the correlation id of the
 * request that caused it, so logs and events can be traced end to end.
 */
export interface JobEnvelope {
  correlationId: string;
  /** principal that asked for it (`user:alice`, `agent:a1`, `system`) */
  requestedBy: string;
}

/** `host.<id>` queue: proves API → queue → host → event → API. */
export interface PingJob extends JobEnvelope {
  /** epoch ms when the API enqueued it */
  sentAt: number;
  /** optional work time, for shutdown tests and load checks */
  workMs?: number;
}

/** A host's answer to a ping, on the event stream (its data: PongEventData). */
export const SYSTEM_EVENT = {
  pong: 'system.pong',
} as const;

export interface PongEventData {
  jobId: string;
  hostId: string;
  sentAt: number;
  startedAt: number;
  finishedAt: number;
}

export const JOB = {
  ping: 'ping',
} as const;
