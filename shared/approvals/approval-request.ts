import { createHash, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ID_PATTERN } from '../ids.js';

/**
 * ApprovalRequest — one act that waits for a decision by policy or by a person (issue 6).
 *
 * Glossary
 * - **request type**: where the question comes from: `tool_use` (a `can_use_tool` question
 *   of an agent's CLI), `spawn_agent` (an agent spawning another), `install_mcp`,
 *   `delete_agent`, or `custom` (an agent's own `request_approval`).
 * - **risk level**: `low < medium < high < critical`, from risk.ts (tool uses) or given.
 * - **policy**: ordered rules (policy.ts) that map type, risk, agent and tool to `approve`,
 *   `deny` or `ask`. `ask` escalates to a person.
 * - **decision**: `approve` or `deny`, by `decided_by` (`user:<name>`, `policy`, or
 *   `system` for the timeout and withdrawn questions), with a reason.
 *
 * Field names are snake_case: they travel as JSON to the dashboard and land as TOML lines
 * in approval-history.toml.
 */
export const REQUEST_TYPES = ['tool_use', 'spawn_agent', 'install_mcp', 'delete_agent', 'merge', 'custom'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];

export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
export type RiskLevel = (typeof RISK_LEVELS)[number];

export const DECISIONS = ['approve', 'deny'] as const;
export type Decision = (typeof DECISIONS)[number];

export const STATUSES = ['pending', 'approved', 'denied'] as const;
export type ApprovalStatus = (typeof STATUSES)[number];

/** Approval ids are safe as Redis key parts, BullMQ job ids and TOML values. */
export const APPROVAL_ID_PATTERN = ID_PATTERN;

export function riskRank(level: RiskLevel): number {
  return RISK_LEVELS.indexOf(level);
}

export function maxRisk(a: RiskLevel, b: RiskLevel): RiskLevel {
  return riskRank(a) >= riskRank(b) ? a : b;
}

const agentId = z.string().regex(ID_PATTERN, `must match ${ID_PATTERN.source}`);

export const approvalDetailsSchema = z
  .object({
    /** the tool the agent wants to use (tool_use), e.g. `Bash`, `mcp__fs__write` */
    tool: z.string().min(1).max(200).optional(),
    /** the tool input as the CLI sent it (answered back unchanged as `updatedInput`) */
    input: z.record(z.string(), z.unknown()).optional(),
    /** the agent the act is about (spawn_agent: the child; delete_agent: the one deleted) */
    agent: z.string().max(200).optional(),
    /** the task it serves, when known */
    task: z.string().max(200).optional(),
    /** the CLI's tool_use_id and control request id (tool_use) */
    tool_use_id: z.string().max(200).optional(),
    request_id: z.string().max(200).optional(),
    /** the agent's working directory when asked (risk of file paths is judged against it) */
    workdir: z.string().max(4096).optional(),
    /** why risk.ts gave its level */
    risk_reasons: z.array(z.string().max(300)).max(20).optional(),
    /**
     * what the approval grants, as a stable hash (spawn_agent: the child's normalized config,
     * shared/approvals/spawn-grant.ts); a remembered rule with `fingerprints` matches only these
     */
    fingerprint: z.string().max(100).optional(),
  })
  .strict();
export type ApprovalDetails = z.infer<typeof approvalDetailsSchema>;

export const approvalRequestSchema = z
  .object({
    id: z.string().regex(APPROVAL_ID_PATTERN, `must match ${APPROVAL_ID_PATTERN.source}`),
    /** the agent that asks (for spawn_agent/delete_agent asked by a person: the agent concerned) */
    agent_id: agentId,
    request_type: z.enum(REQUEST_TYPES),
    description: z.string().min(1).max(2000),
    risk_level: z.enum(RISK_LEVELS),
    /** may policy approve this without a person? false sends an `approve` rule's match to a person */
    auto_approve: z.boolean(),
    details: approvalDetailsSchema,
    created_at: z.string(),
    /** who created it: `agent:<id>`, `user:<name>` or `system` */
    requested_by: z.string().max(100),
    correlation_id: z.string().max(200).optional(),
    status: z.enum(STATUSES),
    decided_at: z.string().optional(),
    decided_by: z.string().max(100).optional(),
    decision: z.enum(DECISIONS).optional(),
    reason: z.string().max(2000).optional(),
    /** the policy rule that decided or escalated it (`rules[2]`, `remembered[0]`, `none`) */
    policy_rule: z.string().max(100).optional(),
    /** epoch ms after which a pending request is denied (set when it escalates) */
    expires_at: z.number().int().optional(),
  })
  .strict();
export type ApprovalRequest = z.infer<typeof approvalRequestSchema>;

/** What a caller supplies; the rest (id, risk, timestamps, status) is filled in by newApprovalRequest. */
export interface ApprovalAsk {
  agent_id: string;
  request_type: RequestType;
  description: string;
  details?: ApprovalDetails;
  risk_level: RiskLevel;
  auto_approve?: boolean;
  requested_by: string;
  correlation_id?: string;
  /** a fixed id makes asking idempotent (tool_use: derived from agent and request id) */
  id?: string;
}

export function newApprovalId(): string {
  return `ap-${randomUUID().replace(/-/g, '')}`;
}

/** The id of a tool_use question: the same agent and CLI request id always give the same approval. */
export function toolUseApprovalId(agentIdValue: string, requestId: string): string {
  return `ap-${createHash('sha256').update(`${agentIdValue}\u0000${requestId}`).digest('hex').slice(0, 32)}`;
}

export function newApprovalRequest(ask: ApprovalAsk, now = new Date()): ApprovalRequest {
  return approvalRequestSchema.parse({
    id: ask.id ?? newApprovalId(),
    agent_id: ask.agent_id,
    request_type: ask.request_type,
    description: ask.description,
    risk_level: ask.risk_level,
    // An agent's own request_approval asks for a person on purpose; everything else may be policy-decided.
    auto_approve: ask.auto_approve ?? ask.request_type !== 'custom',
    details: ask.details ?? {},
    created_at: now.toISOString(),
    requested_by: ask.requested_by,
    ...(ask.correlation_id ? { correlation_id: ask.correlation_id } : {}),
    status: 'pending',
  });
}

/**
 * A copy of a tool input for the record (Redis, events, the dashboard, the history): long
 * strings (a Write's content) are cut. The CLI's answer never uses this copy — it gets the
 * original input back as `updatedInput`.
 */
export function clipInput(input: Record<string, unknown>, max = 4000): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(input).map(([k, v]) => [k, typeof v === 'string' && v.length > max ? `${v.slice(0, max)}… [${v.length - max} more characters]` : v]),
  );
}

export function statusOf(decision: Decision): ApprovalStatus {
  return decision === 'approve' ? 'approved' : 'denied';
}
