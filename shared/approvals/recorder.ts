import { appendConversation } from '../agents/conversation-log.js';
import { errorFields, type Logger } from '../logger.js';
import { actorSchema, type Actor } from '../registry/changes.js';
import { files } from '../registry/layout.js';
import type { RegistryClient } from '../registry/registry-client.js';
import type { NoxContext } from '../runtime/context.js';
import type { ApprovalRequest } from './approval-request.js';
import type { ApprovalStore } from './approval-store.js';

/**
 * Writes down a decision: one line in approval-history.toml (a registry commit, idempotent
 * by the change id `approval-<id>`, authored by the person who decided or by `system`) and,
 * when the agent has a conversation, an `approval` entry in it (the Redis window the API
 * pages and the registry's batched conversation appends).
 *
 * Called right after a decision wins; if that fails (or the process dies first) the id stays
 * in the `unrecorded` set and the host's sweep (workers/approvals/approval-sweep.ts) tries
 * again, so no decision goes unrecorded.
 */
export interface Recorder {
  record(decided: ApprovalRequest): Promise<void>;
}

/** One approval-history.toml line: TOML has no null, so absent fields are left out. */
export function historyLine(a: ApprovalRequest): Record<string, unknown> {
  const line: Record<string, unknown> = {
    id: a.id,
    agent_id: a.agent_id,
    request_type: a.request_type,
    description: a.description,
    risk_level: a.risk_level,
    auto_approve: a.auto_approve,
    created_at: a.created_at,
    requested_by: a.requested_by,
    decision: a.decision ?? '',
    decided_by: a.decided_by ?? '',
    decided_at: a.decided_at ?? '',
    reason: a.reason ?? '',
    policy_rule: a.policy_rule ?? 'none',
  };
  if (a.details.tool) line.tool = a.details.tool;
  if (a.details.input) line.input_json = JSON.stringify(a.details.input).slice(0, 10_000);
  if (a.details.agent) line.agent = a.details.agent;
  if (a.details.task) line.task = a.details.task;
  if (a.details.fingerprint) line.fingerprint = a.details.fingerprint;
  return line;
}

export function actorOf(decidedBy: string | undefined): Actor {
  return decidedBy && actorSchema.safeParse(decidedBy).success ? decidedBy : 'system';
}

export function createRecorder(ctx: NoxContext, registry: RegistryClient, store: ApprovalStore, logger: Logger): Recorder {
  return {
    async record(decided) {
      const what = decided.details.tool ?? decided.request_type;
      await registry.submit(
        {
          id: `approval-${decided.id}`,
          message: `approval ${decided.id}: ${decided.decision} ${what} for ${decided.agent_id} (${decided.decided_by})`.slice(0, 200),
          changes: [{ op: 'push', file: files.approvalHistory(), key: ['decisions'], items: [historyLine(decided)] }],
        },
        actorOf(decided.decided_by),
        { priority: 'normal', ...(decided.correlation_id ? { correlationId: decided.correlation_id } : {}) },
      );
      // The conversation entry only for agents that have one (runtime state exists).
      if ((await ctx.redis.sismember(ctx.keys.agentIndex(), decided.agent_id)) === 1) {
        const text = `approval ${decided.decision === 'approve' ? 'approved' : 'denied'}: ${what} (${decided.risk_level}) by ${decided.decided_by}${decided.reason ? ` — ${decided.reason}` : ''}`;
        const at = decided.decided_at ?? new Date().toISOString();
        const raw = { type: 'nox_approval', approval_id: decided.id, decision: decided.decision, decided_by: decided.decided_by, reason: decided.reason, tool: decided.details.tool, tool_use_id: decided.details.tool_use_id };
        await appendConversation(ctx.redis, ctx.keys, decided.agent_id, [{ at, kind: 'approval', text, raw }], ctx.config.agent.conversation_keep);
        if (ctx.config.agent.registry_appends) {
          await registry.append({ target: 'conversation', agentId: decided.agent_id, entry: { at, kind: 'approval', text, raw_json: JSON.stringify(raw) } });
        }
      }
      await store.markRecorded(decided.id);
      logger.debug('approval recorded', { approvalId: decided.id });
    },
  };
}

/** Records, logging instead of throwing: the sweep retries what fails. */
export async function recordQuietly(recorder: Recorder, decided: ApprovalRequest, logger: Logger): Promise<void> {
  try {
    await recorder.record(decided);
  } catch (err) {
    logger.warn('recording an approval decision failed; the sweep will retry', { approvalId: decided.id, ...errorFields(err) });
  }
}
