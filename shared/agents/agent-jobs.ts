import type { JobEnvelope } from '../queues/jobs.js';

/**
 * Jobs of the agents area. `spawn` is a shared queue (any host with free capacity);
 * the others go to the owning host's own queue (`host.<id>`).
 */
export const AGENT_JOB = {
  /** `spawn` queue: place an agent on a live host and start it */
  spawn: 'agent.spawn',
  /** host queue: start an agent placed on this host */
  start: 'agent.start',
  /** host queue: deliver one user turn */
  turn: 'agent.turn',
  interrupt: 'agent.interrupt',
  /** a person ends a park now (resume now): the held turn runs once */
  unpark: 'agent.unpark',
  stop: 'agent.stop',
  restart: 'agent.restart',
} as const;

export interface SpawnJob extends JobEnvelope {
  agentId: string;
  /** a host id to prefer, if it fits */
  preferHost?: string;
  /** the dead host this agent ran on: a failover, not a new spawn (the spawn guards do not count it) */
  failoverFrom?: string;
  /** the draining host this agent was handed over by, between turns: a move, not a new spawn (workers/hosts/host-drain.ts) */
  moveFrom?: string;
}

export interface StartJob extends JobEnvelope {
  agentId: string;
}

export interface TurnJob extends JobEnvelope {
  agentId: string;
  text: string;
  /** the task the turn works for (its budget is checked, its cost counted: shared/costs/task-attribution.ts) */
  taskId?: string;
}

export interface AgentCommandJob extends JobEnvelope {
  agentId: string;
  reason?: string;
}
