import type { RuntimeFields } from '../../shared/agents/runtime-state.js';
import type { Logger } from '../../shared/logger.js';
import { INITIAL_STATE, transition, type MachineState, type StatusChange, type StatusEvent } from './agent-status-machine.js';
import type { CostLedger } from './cost-ledger.js';
import type { RuntimeWriter } from './runtime-writer.js';
import { AGENT_EVENT } from '../../shared/agents/agent-events.js';

/**
 * Holds an agent's status machine state and carries out its effects, in order: every
 * status change is written to the agent's hash (with the queue length and whatever the
 * caller adds) and announced as `agent.status`; budget and breaker announcements are
 * published; the rest (a restart to schedule, the supervisor settling) is handed back.
 */
export interface StatusDriver {
  readonly state: MachineState;
  /** `fields` are written together with the event's first status change */
  dispatch(event: StatusEvent, fields?: RuntimeFields): void;
}

export interface StatusDriverDeps {
  hostId: string;
  logger: Logger;
  writer: RuntimeWriter;
  ledger: CostLedger;
  queuedTurns(): number;
  scheduleRestart(delayMs: number): void;
  onSettled(): void;
}

export function createStatusDriver(deps: StatusDriverDeps): StatusDriver {
  const { hostId, logger, writer, ledger } = deps;
  let state = INITIAL_STATE;

  const write = (change: StatusChange, fields: RuntimeFields): void => {
    const { status, previous, reason } = change;
    writer.persist({ status, reason: reason ?? '', reasonCode: change.reasonCode ?? '', hostId, queuedTurns: deps.queuedTurns(), ...(change.circuitOpen ? { circuitOpen: true } : {}), ...fields });
    if (change.announce) writer.publish(AGENT_EVENT.status, { status, previous, reason: reason ?? null, ...(change.reasonCode ? { reasonCode: change.reasonCode } : {}) }, change.correlationId);
    // winston builds an entry and writes it through its stream before the level drops it: once per status change
    if (logger.isDebugEnabled()) logger.debug('agent status', { status, previous, reason });
  };

  return {
    get state() {
      return state;
    },
    dispatch(event, fields = {}) {
      const next = transition(state, event);
      state = next.state;
      let extra = fields;
      for (const effect of next.effects) {
        switch (effect.type) {
          case 'status':
            write(effect, extra);
            extra = {};
            break;
          case 'budget-exceeded':
            writer.publish(AGENT_EVENT.budgetExceeded, effect.detail ?? { scope: 'agent', spentUsd: ledger.spentUsd, budgetUsd: ledger.budgetUsd ?? null }, effect.correlationId);
            break;
          case 'circuit-open':
            writer.publish(AGENT_EVENT.circuitOpen, { crashes: effect.crashes, windowMs: effect.windowMs });
            break;
          case 'schedule-restart':
            deps.scheduleRestart(effect.delayMs);
            break;
          case 'settled':
            deps.onSettled();
            break;
        }
      }
    },
  };
}
