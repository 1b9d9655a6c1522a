import { SpanStatusCode } from '@opentelemetry/api';
import { admitTurn } from '../agents/budget-gate.js';
import { budgetGuardFor } from '../agents/budget-guard.js';
import { TaskBudgetReachedError } from '../../shared/errors/agent-errors.js';
import { createTaskTurns } from './task-turns.js';
import { METRIC } from '../../shared/metrics/catalogue.js';
import { carrierOfSpan, startSpan } from '../../shared/tracing/tracing.js';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { agentConfigDir } from '../agents/claude-cli/command-line.js';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import { errorFields, type Logger } from '../../shared/logger.js';
import type { Claim, Inbox } from './inbox.js';
import { MESSAGE_EVENT } from '../../shared/messages/message-jobs.js';
import type { MessageLog } from '../../shared/messages/message-log.js';
import type { Message } from '../../shared/messages/message-model.js';
import { messageMarker, turnText } from './turn-text.js';
import { startPeriodic, type PeriodicTask } from '../runtime/periodic-task.js';
import type { NoxContext } from '../../shared/runtime/context.js';
import type { AgentManager } from '../agents/agent-manager.js';

/**
 * Delivers inboxes to the agents of this host, EXACTLY ONCE per message and recipient.
 *
 * Messages are taken only when the agent is between turns with nothing queued (the
 * supervisor's idle signal, a `message.deliver` job, or the sweep), so the turn is written
 * at once. Per turn (1 and 2 are one Lua call, and one MGET reads the claimed messages'
 * records, unless 1 finds claims of another process: those are resolved first):
 *   1. confirm: the claims this same process made earlier are done (it has since finished
 *      the turns they were in). Claims of a process that is gone are uncertain: its session
 *      transcript — the agent's own record of the turns it read — decides: a claim whose
 *      marker `[message <id>]` is in it was read (confirmed), any other goes back to the
 *      inbox. The old process is dead by then (the supervisor or host adoption ended it
 *      before this one started), so the transcript is final;
 *   2. claim (Lua): a critical message alone, or up to `messages.batch_max` waiting ones in
 *      priority order as one turn (up to `messages.batch_max_chars` of content; the rest go
 *      back); marked delivered and in flight for this pid;
 *   3. write the turn (the supervisor's deliverTurn; the turn says who sent what kind, and
 *      its events carry the first message's id as their correlation id).
 * A turn works for one task at most (task-turns.ts): a batch stops at the first message that
 * counts for another task than the first's; the messages of a task whose budget is spent are
 * set aside (task-parking.ts) and the agent's other mail goes on.
 * A worker killed between 2 and 3 leaves a claim the next process resolves in step 1; a
 * retried job finds the message marked and adds nothing. So no message is lost or doubled.
 */
export interface Deliverer {
  /** the agent may have mail: deliver if it is between turns */
  kick(agentId: string): void;
  /** this host runs the agent (a kick reaches it) */
  runsHere(agentId: string): boolean;
  /** resolves when every drain started so far has finished (tests) */
  idle(): Promise<void>;
  readonly sweeper: PeriodicTask<number>;
  stop(): void;
}

export interface DelivererDeps {
  ctx: NoxContext;
  manager: AgentManager;
  inbox: Inbox;
  log: MessageLog;
  logger: Logger;
}

/**
 * The messages of one turn: in the order claimed, until their content passes `maxChars`
 * (the first always fits) or one counts for another task than the first (`taskOf`); the
 * rest go back to the inbox for the next turn.
 */
export function fitTurn(messages: readonly Message[], maxChars: number, taskOf: (m: Message) => string | undefined = () => undefined): { turn: Message[]; rest: Message[] } {
  let chars = 0;
  let n = 0;
  const task = messages[0] && taskOf(messages[0]);
  while (n < messages.length && (n === 0 || (chars + messages[n]!.content.length <= maxChars && taskOf(messages[n]!) === task))) chars += messages[n++]!.content.length;
  return { turn: messages.slice(0, n), rest: messages.slice(n) };
}

/** The agent's session transcript(s): `$CLAUDE_CONFIG_DIR/projects/<cwd-slug>/<session>.jsonl`. */
export function readTranscript(configDir: string, sessionId: string): string {
  const projects = path.join(configDir, 'projects');
  if (!sessionId || !existsSync(projects)) return '';
  let text = '';
  for (const dir of readdirSync(projects, { withFileTypes: true })) {
    const file = path.join(projects, dir.name, `${sessionId}.jsonl`);
    if (dir.isDirectory() && existsSync(file)) text += readFileSync(file, 'utf8');
  }
  return text;
}

export function createDeliverer(deps: DelivererDeps): Deliverer {
  const { ctx, manager, inbox, log, logger } = deps;
  const cfg = ctx.config.messages;
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const guard = budgetGuardFor(ctx);
  const taskTurns = createTaskTurns(ctx, guard, logger);

  const resolveUncertain = async (agentId: string, claims: Claim[]): Promise<void> => {
    const runtime = await readRuntime(ctx.redis, ctx.keys, agentId);
    const transcript = readTranscript(agentConfigDir(ctx.config, agentId), runtime?.sessionId ?? '');
    for (const claim of claims) {
      if (transcript.includes(messageMarker(claim.id))) await inbox.settle(agentId, claim.id);
      else if (await inbox.requeue(agentId, claim.id)) logger.info('message put back in the inbox: its delivery was not completed', { agentId, messageId: claim.id, pid: claim.pid });
    }
  };

  const requeueAll = async (agentId: string, ids: readonly string[]): Promise<void> => {
    await inbox.requeueMany(agentId, ids);
  };

  const deliverOnce = async (agentId: string): Promise<boolean> => {
    const s = manager.get(agentId);
    const pid = s?.pid;
    // an agent held by a shared budget is tried too: the check below releases it once there is room
    // a parked agent (a usage limit) takes nothing: its messages wait here until it resumes
    if (!s || !pid || s.status === 'parked' || (s.status !== 'idle' && !s.budgetHeld) || s.queuedTurns > 0) return false;
    // steps 1 and 2 in one call (with the claimed messages' records), unless another process
    // left claims (resolved first)
    const step = await inbox.confirmAndClaim(agentId, pid, cfg.batch_max, cfg.delivered_keep);
    let { ids } = step;
    let found: (Message | undefined)[] = step.records.map((r) => (r ? (JSON.parse(r) as Message) : undefined));
    if (step.others.length > 0) {
      await resolveUncertain(agentId, step.others);
      ids = await inbox.claim(agentId, pid, cfg.batch_max, cfg.delivered_keep);
      found = await log.many(ids);
    }
    if (ids.length === 0) return false;
    const present = found.filter((m): m is Message => m !== undefined);
    if (present.length < ids.length) logger.warn('messages expired before delivery', { agentId, missing: ids.filter((_, i) => !found[i]) });
    const taskOf = await taskTurns.tasksOf(present);
    const { turn: messages, rest } = fitTurn(present, cfg.batch_max_chars, (m) => taskOf.get(m.id));
    await requeueAll(agentId, rest.map((m) => m.id));
    if (messages.length === 0) return true;
    if (manager.get(agentId) !== s || s.pid !== pid) {
      await requeueAll(agentId, messages.map((m) => m.id));
      return false;
    }
    // the turn's events (agent.status, agent.output) carry a message id as their correlation
    // id: the message's own, or in a batch the first one's (each message.delivered says which)
    const turnCorrelationId = messages[0]!.id;
    const taskId = taskOf.get(turnCorrelationId);
    try {
      await admitTurn(guard, s, taskId);
    } catch (err) {
      if (err instanceof TaskBudgetReachedError) {
        // this task's messages go aside; the agent's other mail is tried at once
        await taskTurns.park(agentId, messages, err);
        again.add(agentId);
        return true;
      }
      // a shared budget is spent: the messages wait in the inbox (the agent shows why)
      await requeueAll(agentId, messages.map((m) => m.id));
      logger.info('messages kept in the inbox', { agentId, reason: (err as Error).message });
      return false;
    }
    // tracing on: the delivery joins the trace of the request that sent the (first) message,
    // and the turn is its child
    const span = startSpan('message.deliver', { 'nox.agent.id': agentId, 'nox.message.id': turnCorrelationId, 'nox.messages.batch': messages.length }, messages[0]!.trace);
    try {
      s.deliverTurn(turnText(messages), turnCorrelationId, carrierOfSpan(span), messages.map((m) => m.id), taskId);
      span?.end();
    } catch (err) {
      span?.setStatus({ code: SpanStatusCode.ERROR, message: (err as Error).message });
      span?.end();
      // not running, over budget, queue full: the messages wait in the inbox
      await requeueAll(agentId, messages.map((m) => m.id));
      logger.info('messages kept in the inbox', { agentId, reason: (err as Error).message });
      return false;
    }
    const delivered = ctx.metrics.counter(METRIC.messagesDelivered);
    for (const m of messages) delivered.inc({ priority: m.priority });
    await Promise.all(messages.map((m) => ctx.events.publish({ type: MESSAGE_EVENT.delivered, agentId, correlationId: m.id, data: { messageId: m.id, from: m.from, type: m.message_type, priority: m.priority, batch: messages.length, turnCorrelationId } })));
    return true;
  };

  const drain = (agentId: string): Promise<void> => {
    const current = running.get(agentId);
    if (current) {
      again.add(agentId);
      return current;
    }
    const run = (async () => {
      try {
        do {
          again.delete(agentId);
          await deliverOnce(agentId);
        } while (again.has(agentId));
      } catch (err) {
        logger.warn('delivery failed; the inbox keeps the messages', { agentId, ...errorFields(err) });
      } finally {
        running.delete(agentId);
      }
    })();
    running.set(agentId, run);
    return run;
  };

  const unlisten = manager.onAgentIdle((agentId) => void drain(agentId));
  // a usage limit refused the turn before the model saw it: its messages wait in the inbox
  // again (claim undone), and go out once the agent resumes — so the park loses nothing, and a
  // host restart during it neither (the transcript would otherwise count them as read)
  const unlistenRefused = manager.onTurnRefused((agentId, ids) => {
    requeueAll(agentId, ids).then(
      () => logger.info('messages back in the inbox: a usage limit refused their turn', { agentId, messageIds: ids }),
      (err) => logger.warn('could not put refused messages back in the inbox', { agentId, ...errorFields(err) }),
    );
  });

  // Catches a wake-up that went to the wrong host (an agent that moved) or was lost.
  const sweeper = startPeriodic(
    'inbox sweep',
    cfg.sweep_interval_ms,
    async () => {
      // tasks with room again: their messages set aside go back to the inboxes (any host's sweep may do it, once)
      await taskTurns.releaseRoomy();
      let n = 0;
      for (const s of manager.all()) {
        if (s.status === 'parked' || (s.status !== 'idle' && !s.budgetHeld) || s.queuedTurns > 0) continue;
        const [waiting, inflight] = await Promise.all([inbox.size(s.agentId), ctx.redis.hlen(ctx.keys.agentInflight(s.agentId))]);
        if (waiting + inflight > 0) {
          n++;
          void drain(s.agentId);
        }
      }
      return n;
    },
    logger,
  );

  return {
    kick: (agentId) => void drain(agentId),
    runsHere: (agentId) => manager.get(agentId) !== undefined,
    async idle() {
      await Promise.all([...running.values()]);
    },
    sweeper,
    stop() {
      unlisten();
      unlistenRefused();
      sweeper.stop();
    },
  };
}
