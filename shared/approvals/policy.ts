import { z } from 'zod';
import { ID_PATTERN } from '../ids.js';
import { REQUEST_TYPES, RISK_LEVELS, riskRank, type ApprovalRequest } from './approval-request.js';

/** A grant's fingerprint (spawn-grant.ts `spawnFingerprint`). */
export const FINGERPRINT_PATTERN = /^sha256:[0-9a-f]{64}$/;

/**
 * The approval policy: ordered rules, first match wins (docs/APPROVALS.md, "Policy").
 *
 * A rule matches a request when every condition it names holds:
 * - `types`: the request type is one of them;
 * - `risks`: the risk level is one of them; `max_risk`: the level is at most this;
 * - `agents`: the asking agent is one of them (`*` = any);
 * - `tools`: the tool matches one of the patterns (tool_use only; a rule with `tools`
 *   never matches other request types);
 * - `fingerprints`: the request's `details.fingerprint` is one of them (a spawn's is the
 *   hash of the child's config, spawn-grant.ts; a request without one never matches).
 * Tool patterns follow the CLI's own: `Read` (a tool), `mcp__server` (every tool of an MCP
 * server), `mcp__server__tool`, `Bash(git status)` (exactly this command), `Bash(git:*)`
 * (commands starting with `git`), and `*` (any tool); `Edit(src/*)`-style path specs use
 * the same prefix form on `file_path`.
 *
 * Remembered rules (added by approving with `remember`) are checked before the configured
 * rules; each is tied to one agent and carries the risk it was approved at as `max_risk`,
 * so "always allow Bash(make test)" never covers a later, riskier question; a remembered
 * spawn carries the config's fingerprint, so it never covers a child configured otherwise.
 * No match → `ask`. An `approve` for a request with `auto_approve: false` → `ask`.
 */
export const POLICY_ACTIONS = ['approve', 'deny', 'ask'] as const;
export type PolicyAction = (typeof POLICY_ACTIONS)[number];

export const policyRuleSchema = z
  .object({
    action: z.enum(POLICY_ACTIONS),
    types: z.array(z.enum(REQUEST_TYPES)).min(1).optional(),
    risks: z.array(z.enum(RISK_LEVELS)).min(1).optional(),
    max_risk: z.enum(RISK_LEVELS).optional(),
    agents: z.array(z.union([z.literal('*'), z.string().regex(ID_PATTERN)])).min(1).optional(),
    tools: z.array(z.string().min(1).max(500)).min(1).optional(),
    /** `sha256:<hex>` of what was approved (a spawn's normalized child config): only requests granting exactly that match */
    fingerprints: z.array(z.string().regex(FINGERPRINT_PATTERN, 'must be sha256:<64 hex>')).min(1).max(1000).optional(),
    /** why the rule exists (shown in the decision's reason) */
    note: z.string().max(300).optional(),
    /** remembered rules: who added it and when */
    added_by: z.string().max(100).optional(),
    added_at: z.string().max(40).optional(),
  })
  .strict();
export type PolicyRule = z.infer<typeof policyRuleSchema>;

/**
 * Defaults: tool uses up to medium (reads; edits inside the workdir; harmless commands)
 * and any low-risk request are approved; everything else — high and critical, and medium
 * requests that are not tool uses — asks a person.
 */
export const DEFAULT_RULES: readonly PolicyRule[] = [
  { action: 'approve', types: ['tool_use'], risks: ['low', 'medium'], note: 'tool uses up to medium risk' },
  { action: 'approve', risks: ['low'], note: 'low risk' },
  { action: 'ask', note: 'everything else asks a person' },
];

export interface PolicySet {
  rules: readonly PolicyRule[];
  remembered: readonly PolicyRule[];
}

export interface PolicyVerdict {
  action: PolicyAction;
  /** `remembered[0]`, `rules[2]`, or `none` */
  rule: string;
  /** the rule's note, or why nothing matched */
  note: string;
}

/** Does a CLI-style tool pattern match this tool use? */
export function toolPatternMatches(pattern: string, tool: string, input: Record<string, unknown> = {}): boolean {
  if (pattern === '*') return true;
  const open = pattern.indexOf('(');
  if (open < 0) return pattern === tool || (pattern.startsWith('mcp__') && tool.startsWith(`${pattern}__`));
  if (!pattern.endsWith(')') || pattern.slice(0, open) !== tool) return false;
  const spec = pattern.slice(open + 1, -1);
  const subject = String(input.command ?? input.file_path ?? input.notebook_path ?? input.path ?? input.url ?? '');
  if (spec.endsWith(':*') || spec.endsWith('*')) {
    const prefix = spec.endsWith(':*') ? spec.slice(0, -2) : spec.slice(0, -1);
    // `Bash(git:*)` matches `git` and `git …`, not `gitk`
    return spec.endsWith(':*') ? subject === prefix || subject.startsWith(`${prefix} `) : subject.startsWith(prefix);
  }
  return subject === spec;
}

export function ruleMatches(rule: PolicyRule, request: ApprovalRequest): boolean {
  if (rule.types && !rule.types.includes(request.request_type)) return false;
  if (rule.risks && !rule.risks.includes(request.risk_level)) return false;
  if (rule.max_risk && riskRank(request.risk_level) > riskRank(rule.max_risk)) return false;
  if (rule.agents && !rule.agents.includes('*') && !rule.agents.includes(request.agent_id)) return false;
  if (rule.tools) {
    const tool = request.details.tool;
    if (request.request_type !== 'tool_use' || !tool) return false;
    if (!rule.tools.some((p) => toolPatternMatches(p, tool, request.details.input ?? {}))) return false;
  }
  if (rule.fingerprints) {
    const fingerprint = request.details.fingerprint;
    if (!fingerprint || !rule.fingerprints.includes(fingerprint)) return false;
  }
  return true;
}

/** Pure: the policy's verdict on one request. */
export function evaluatePolicy(policy: PolicySet, request: ApprovalRequest): PolicyVerdict {
  const found =
    find(policy.remembered, 'remembered', request, (r) => r.agents !== undefined && !r.agents.includes('*')) ?? find(policy.rules, 'rules', request, () => true);
  if (!found) return { action: 'ask', rule: 'none', note: 'no policy rule matched' };
  const note = found.rule.note ?? `${found.label} matched`;
  if (found.rule.action === 'approve' && !request.auto_approve) {
    return { action: 'ask', rule: found.label, note: `${note}; the request asks for a person (auto_approve false)` };
  }
  return { action: found.rule.action, rule: found.label, note };
}

function find(
  rules: readonly PolicyRule[],
  list: string,
  request: ApprovalRequest,
  eligible: (r: PolicyRule) => boolean,
): { rule: PolicyRule; label: string } | undefined {
  for (const [i, rule] of rules.entries()) {
    // a remembered rule must name its agent: a hand-edited one without an agent is ignored
    if (eligible(rule) && ruleMatches(rule, request)) return { rule, label: `${list}[${i}]` };
  }
  return undefined;
}

/**
 * Why "remember" cannot turn this request into a rule (undefined: it can). A rule must not
 * grant more than the approval showed: a tool use names its tool (and command), a spawn its
 * config's fingerprint. Other requests are one-off acts (a deletion, an install, a custom
 * question): a rule of their type and agent would approve every later one, unseen.
 */
export function cannotRemember(request: ApprovalRequest): string | undefined {
  if (request.request_type === 'tool_use') return request.details.tool ? undefined : 'this tool use names no tool';
  if (request.request_type === 'spawn_agent') return request.details.fingerprint ? undefined : 'this spawn approval carries no fingerprint of the child’s config (asked before they existed)';
  return `a ${request.request_type} approval is a one-off act: a remembered rule would approve every later one of the agent unseen`;
}

/**
 * The rule "approve with remember" adds: this agent, up to the risk it was approved at, and
 * what was approved — this tool (for Bash, this exact command unless a pattern is given),
 * or for a spawn this exact child config (its fingerprint). Callers check cannotRemember first.
 */
export function rememberRule(request: ApprovalRequest, addedBy: string, pattern?: string, now = new Date()): PolicyRule {
  const tool = request.details.tool;
  const command = request.details.input?.command;
  const tools = request.request_type === 'tool_use' && tool ? [pattern ?? (tool === 'Bash' && typeof command === 'string' ? `Bash(${command})` : tool)] : undefined;
  const fingerprint = request.request_type === 'spawn_agent' ? request.details.fingerprint : undefined;
  return policyRuleSchema.parse({
    action: 'approve',
    types: [request.request_type],
    max_risk: request.risk_level,
    agents: [request.agent_id],
    ...(tools ? { tools } : {}),
    ...(fingerprint ? { fingerprints: [fingerprint] } : {}),
    note: `remembered from approval ${request.id}`,
    added_by: addedBy,
    added_at: now.toISOString(),
  });
}
