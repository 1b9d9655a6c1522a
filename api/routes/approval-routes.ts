import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { ApprovalForOtherAgentError, ApprovalNotFoundError, OwnApprovalError, SamePersonApprovalError } from '../../shared/errors/approval-errors.js';
import {
  APPROVAL_ID_PATTERN,
  approvalDetailsSchema,
  approvalRequestSchema,
  newApprovalRequest,
  REQUEST_TYPES,
  RISK_LEVELS,
  STATUSES,
  type ApprovalRequest,
} from '../../shared/approvals/approval-request.js';
import { APPROVAL_EVENT } from '../../shared/approvals/approval-store.js';
import { approvalsFor } from '../../shared/approvals/approvals.js';
import { cannotRemember, policyRuleSchema, rememberRule, toolPatternMatches } from '../../shared/approvals/policy.js';
import { actorOf } from '../../shared/approvals/recorder.js';
import { classifyRequest, classifyToolUse } from '../../shared/approvals/risk.js';
import { ForbiddenError } from '../../shared/errors/auth-errors.js';
import { ValidationError } from '../../shared/errors/validation-error.js';
import { ID_PATTERN } from '../../shared/ids.js';
import type { Principal } from '../../shared/types.js';
import { agentRequestDepsFor } from '../../shared/approvals/agent-request-deps.js';
import type { ApiDeps } from '../deps.js';
import { approveMergeHere } from '../projects/project-acts.js';
import { ownAgent } from '../http/agent-scope.js';
import { ADMINS, OPERATORS, PEOPLE } from '../http/auth.js';
import { requester } from '../http/requester.js';
import { defineRoute, type RouteSpec } from '../http/route.js';
import { decodeZsetCursor, encodeZsetCursor } from '../http/list-cursor.js';

/**
 * /api/approvals (issue 6; docs/APPROVALS.md): the inbox and the decisions.
 *
 * - People read every approval; an agent reads only those it asked for itself
 *   (`requested_by` = `agent:<its id>`) — another's answers 404, as if it did not exist.
 * - Only operators and admins decide. An agent never decides: its own request answers
 *   403 `ERROR_CODE.approvalOwnRequest`, anything else (another's, or none) 403
 *   `ERROR_CODE.forbidden`, so deciding tells it no more than reading; a viewer gets 403
 *   from the role check. With `approvals.require_second_person` a person may not approve
 *   what they asked for themselves (403 `ERROR_CODE.approvalSamePerson`).
 * - POST /api/approvals is an agent's `request_approval` (for itself only) or a person's
 *   request on behalf of an agent; it is evaluated on the `approvals` queue like every other.
 */
const idParams = z.object({ id: z.string().regex(APPROVAL_ID_PATTERN, `must match ${APPROVAL_ID_PATTERN.source}`) }).strict();
const READERS = [...PEOPLE, 'agent'] as const;
const DECIDERS = [...OPERATORS, 'agent'] as const;

const listQuery = z
  .object({
    status: z.enum([...STATUSES, 'all']).default('all'),
    agent: z.string().regex(ID_PATTERN).optional(),
    risk: z.enum(RISK_LEVELS).optional(),
    type: z.enum(REQUEST_TYPES).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(50),
    /** the previous page's `next` (issue 21): a keyset on (creation time, id), stable while approvals arrive */
    cursor: z.string().max(2000).optional(),
  })
  .strict();
/** the list's order, as a cursor names it */
const LIST_ORDER = 'created-desc';

const approveBody = z
  .object({
    reason: z.string().max(2000).optional(),
    /** also add a policy rule: always allow this (tool or pattern; for a spawn, this exact child config) for this agent, up to this risk */
    remember: z.boolean().default(false),
    /** the tool pattern to remember instead of the default (the tool; for Bash the exact command), e.g. `Bash(make:*)` */
    pattern: z.string().min(1).max(500).optional(),
  })
  .strict()
  .default({ remember: false });
const denyBody = z.object({ reason: z.string().trim().min(1, 'a denial needs a reason').max(2000) }).strict();

const createBody = z
  .object({
    request_type: z.enum(REQUEST_TYPES).default('custom'),
    description: z.string().min(1).max(2000),
    /** people must name the agent; an agent asks for itself (may be left out) */
    agent_id: z.string().regex(ID_PATTERN).optional(),
    risk_level: z.enum(RISK_LEVELS).optional(),
    auto_approve: z.boolean().optional(),
    details: approvalDetailsSchema.pick({ tool: true, input: true, agent: true, task: true, workdir: true }).default({}),
  })
  .strict();

const getQuery = z
  .object({
    /** long-poll: while the approval is pending, wait up to this long for its decision (an agent's request_approval tool). Default 0. */
    wait_ms: z.coerce.number().int().min(0).max(60_000).default(0),
  })
  .strict();

const policyBody = z
  .object({
    rules: z.array(policyRuleSchema).max(1000).optional(),
    remembered: z.array(policyRuleSchema).max(10_000).optional(),
  })
  .strict()
  .refine((b) => b.rules !== undefined || b.remembered !== undefined, 'give rules, remembered, or both');
const policyResponse = z.object({ rules: z.array(policyRuleSchema), remembered: z.array(policyRuleSchema) });

const listResponse = z.object({ approvals: z.array(approvalRequestSchema), total: z.number(), limit: z.number(), next: z.string().nullable() });
const decisionResponse = approvalRequestSchema.extend({
  remembered: z.object({ rule: z.record(z.string(), z.unknown()), change_id: z.string() }).optional(),
});

/** People read every approval; an agent those it asked for (not those a person asked about it, nor installs naming it). */
function canRead(principal: Principal | undefined, a: ApprovalRequest): boolean {
  const me = ownAgent(principal);
  return me === undefined || a.requested_by === `agent:${me}`;
}

export function approvalRoutes(deps: ApiDeps): RouteSpec[] {
  const { ctx } = deps;
  const approvals = approvalsFor(ctx);

  /** the approval, if this principal may decide it */
  const forDecision = async (id: string, principal: Principal | undefined): Promise<ApprovalRequest> => {
    if (ownAgent(principal) !== undefined) {
      const found = await approvals.store.get(id);
      if (found && canRead(principal, found)) throw new OwnApprovalError(id);
    }
    if (!principal || !OPERATORS.includes(principal.role)) throw new ForbiddenError('Only operators and admins decide approvals');
    return approvals.get(id);
  };

  return [
    defineRoute({
      method: 'get',
      path: '/api/approvals',
      summary: 'Approvals, newest first (`status=pending` is the inbox); filtered by agent, risk and type; `limit` and `cursor` (the previous page’s `next`) page them',
      tag: 'approvals',
      auth: READERS,
      query: listQuery,
      responses: { 200: { description: 'a page of approvals', schema: listResponse } },
      handler: async ({ query, principal }) => {
        const me = ownAgent(principal);
        const after = decodeZsetCursor(query.cursor, LIST_ORDER);
        const { approvals: page, total, next } = await approvals.store.list({
          status: query.status,
          agent_id: me ?? query.agent,
          ...(me === undefined ? {} : { requested_by: `agent:${me}` }),
          risk_level: query.risk,
          request_type: query.type,
          ...(after ? { after } : {}),
          limit: query.limit,
        });
        return { approvals: page, total, limit: query.limit, next: encodeZsetCursor(LIST_ORDER, next) };
      },
    }),
    // Declared before /api/approvals/:id, whose id pattern would also match `policy`.
    defineRoute({
      method: 'get',
      path: '/api/approvals/policy',
      summary: 'The approval policy in force: ordered rules and remembered rules (system-config.toml as the registry holds it)',
      tag: 'approvals',
      auth: PEOPLE,
      responses: { 200: { description: 'the policy', schema: policyResponse } },
      handler: async () => {
        const p = approvals.policy.current();
        return { rules: p.rules, remembered: p.remembered };
      },
    }),
    defineRoute({
      method: 'put',
      path: '/api/approvals/policy',
      summary: 'Replace the policy rules and/or the remembered rules (admins; one registry commit)',
      tag: 'approvals',
      auth: ADMINS,
      body: policyBody,
      responses: { 200: { description: 'the policy and the commit', schema: policyResponse.extend({ commit: z.string().nullable() }) } },
      handler: async ({ body, principal }) => {
        const result = await approvals.policy.replace(body, actorOf(requester(principal)));
        // The writer has committed: read the file back (the reader notices the new file).
        const p = approvals.policy.current();
        return { rules: p.rules, remembered: p.remembered, commit: result.sha };
      },
    }),
    defineRoute({
      method: 'get',
      path: '/api/approvals/:id',
      summary: 'One approval; `wait_ms` waits (long-poll) for the decision of a pending one',
      tag: 'approvals',
      auth: READERS,
      params: idParams,
      query: getQuery,
      responses: { 200: { description: 'the approval (still pending when wait_ms passed without a decision)', schema: approvalRequestSchema } },
      handler: async ({ params, query, principal }) => {
        const found = await approvals.get(params.id);
        // an agent learns nothing about other agents' approvals, not even that they exist
        if (!canRead(principal, found)) throw new ApprovalNotFoundError(params.id);
        if (found.status !== 'pending' || query.wait_ms === 0 || !found.correlation_id) return found;
        // Listen first, then look again, so a decision in between is not missed.
        const decided = deps.waiters.waitFor(APPROVAL_EVENT.decided, found.correlation_id, query.wait_ms).then(
          () => true,
          () => false,
        );
        const again = await approvals.get(params.id);
        if (again.status !== 'pending') return again;
        await decided;
        return approvals.get(params.id);
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/approvals',
      summary: 'Ask for an approval (an agent’s request_approval, for itself; or a person on behalf of an agent)',
      tag: 'approvals',
      auth: DECIDERS,
      body: createBody,
      status: 202,
      responses: { 202: { description: 'stored and queued for evaluation', schema: approvalRequestSchema } },
      handler: async ({ body, principal, correlationId }) => {
        let agentId = body.agent_id;
        if (principal?.role === 'agent') {
          if (agentId !== undefined && agentId !== principal.agentId) throw new ApprovalForOtherAgentError(agentId);
          agentId = principal.agentId;
        }
        if (!agentId) throw new ValidationError('agent_id is required', [{ path: 'body.agent_id', message: 'required for people', code: 'invalid_type' }]);
        const risk =
          body.request_type === 'tool_use' && body.details.tool
            ? classifyToolUse({ tool: body.details.tool, input: body.details.input ?? {}, workdir: body.details.workdir })
            : classifyRequest(body.request_type, body.risk_level);
        // A requester may raise the risk it was given, never lower it below the rules.
        const level = body.risk_level && RISK_LEVELS.indexOf(body.risk_level) > RISK_LEVELS.indexOf(risk.level) ? body.risk_level : risk.level;
        const request = newApprovalRequest({
          agent_id: agentId,
          request_type: body.request_type,
          description: body.description,
          risk_level: level,
          ...(body.auto_approve === undefined ? {} : { auto_approve: body.auto_approve }),
          requested_by: requester(principal),
          correlation_id: correlationId,
          details: { ...body.details, risk_reasons: risk.reasons },
        });
        return approvals.submit(request, correlationId ?? randomUUID());
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/approvals/:id/approve',
      summary: 'Approve (operators and admins); `remember` adds a policy rule for this agent: this tool use, or this exact spawn config (its fingerprint)',
      tag: 'approvals',
      auth: DECIDERS,
      params: idParams,
      body: approveBody,
      responses: { 200: { description: 'the decided approval', schema: decisionResponse } },
      handler: async ({ params, body, principal }) => {
        const current = await forDecision(params.id, principal);
        // Refused before deciding, so a person who asked for a rule does not get a bare approval instead.
        const notRemembered = body.remember ? cannotRemember(current) : undefined;
        if (notRemembered) throw new ValidationError(`cannot remember: ${notRemembered}`, [{ path: 'body.remember', message: notRemembered, code: 'custom' }]);
        if (body.pattern !== undefined) {
          if (!body.remember) throw new ValidationError('pattern needs remember: true', [{ path: 'body.pattern', message: 'only with remember', code: 'custom' }]);
          const tool = current.details.tool;
          if (!tool || !toolPatternMatches(body.pattern, tool, current.details.input ?? {})) {
            throw new ValidationError(`pattern "${body.pattern}" does not match this request's tool use`, [{ path: 'body.pattern', message: 'must match the approved tool use', code: 'custom' }]);
          }
        }
        const who = requester(principal);
        // Four eyes: who asked is recorded on every request (`requested_by`); denying one's own stays allowed.
        if (current.requested_by === who && approvals.policy.requireSecondPerson()) throw new SamePersonApprovalError(params.id, who);
        const approve = () => approvals.decide(params.id, { decision: 'approve', decided_by: who, reason: body.reason ?? '' });
        // a merge acts on the served mirror, on this machine: this node acts on it now
        const decided = current.request_type === 'merge' ? await approveMergeHere(ctx, agentRequestDepsFor(ctx), params.id, approve) : await approve();
        if (!body.remember) return decided;
        const rule = rememberRule(decided, who, body.pattern);
        const changeId = await approvals.policy.remember(rule, actorOf(who), decided.id);
        return { ...decided, remembered: { rule, change_id: changeId } };
      },
    }),
    defineRoute({
      method: 'post',
      path: '/api/approvals/:id/deny',
      summary: 'Deny, with a reason the agent reads (operators and admins)',
      tag: 'approvals',
      auth: DECIDERS,
      params: idParams,
      body: denyBody,
      responses: { 200: { description: 'the decided approval', schema: approvalRequestSchema } },
      handler: async ({ params, body, principal }) => {
        await forDecision(params.id, principal);
        return approvals.decide(params.id, { decision: 'deny', decided_by: requester(principal), reason: body.reason });
      },
    }),
  ];
}
