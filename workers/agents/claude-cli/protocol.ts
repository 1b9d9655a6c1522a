/**
 * The stream-json protocol of `claude -p --input-format stream-json --output-format
 * stream-json --verbose`, as far as Nox reads and writes it. Source of the facts:
 * docs/AGENTS.md ("The process", "Reading it"; checked against 2.1.197 and 2.1.330 and the
 * agent SDK's `sdk.d.ts`). Only the fields Nox uses are typed; every line keeps its raw object so
 * nothing the CLI adds later is lost on the way to the conversation log.
 */

/** Token counts as the Messages API reports them. */
export interface Usage {
  input_tokens: number;
  output_tokens: number;
  cache_creation_input_tokens?: number;
  cache_read_input_tokens?: number;
}

export interface TextBlock {
  type: 'text';
  text: string;
}
export interface ToolUseBlock {
  type: 'tool_use';
  id: string;
  name: string;
  input: unknown;
}
export interface ToolResultBlock {
  type: 'tool_result';
  tool_use_id: string;
  content: unknown;
  is_error?: boolean;
}
export type ContentBlock = TextBlock | ToolUseBlock | ToolResultBlock | { type: string; [k: string]: unknown };

export type ResultSubtype =
  | 'success'
  | 'error_during_execution'
  | 'error_max_turns'
  | 'error_max_budget_usd'
  | 'error_max_structured_output_retries';

/**
 * A usage or rate limit's state as the CLI reports it (`rate_limit_event.rate_limit_info`,
 * and the synthetic error message's `api_error_params.rate_limit_info`; agent SDK
 * `SDKRateLimitInfo`). Sent for subscription logins when the state changes; `resetsAt` and
 * `overageResetsAt` are epoch SECONDS.
 */
export interface RateLimitInfo {
  status: 'allowed' | 'allowed_warning' | 'rejected' | (string & {});
  resetsAt?: number;
  /** five_hour | seven_day | seven_day_opus | seven_day_sonnet | overage | ... */
  rateLimitType?: string;
  utilization?: number;
  overageStatus?: string;
  overageResetsAt?: number;
  isUsingOverage?: boolean;
}

/** `can_use_tool` control request: the CLI asks before a tool runs (--permission-prompt-tool stdio). */
export interface PermissionRequest {
  subtype: 'can_use_tool';
  tool_name: string;
  input: Record<string, unknown>;
  tool_use_id?: string;
  description?: string;
  permission_suggestions?: unknown[];
  blocked_path?: string;
  decision_reason?: string;
  title?: string;
  mcp_server?: { name: string };
  agent_id?: string;
}

/**
 * One stdout line, typed. `kind` is Nox's own discriminator (the CLI's `type` plus
 * `subtype` where that matters); `raw` is the line as parsed.
 */
export type AgentEvent =
  | {
      kind: 'init';
      sessionId: string;
      model?: string;
      cwd?: string;
      tools: string[];
      mcpServers: { name: string; status: string }[];
      permissionMode?: string;
      version?: string;
      raw: Record<string, unknown>;
    }
  | { kind: 'assistant-text'; messageId?: string; text: string; sessionId?: string; raw: Record<string, unknown> }
  | { kind: 'tool-use'; messageId?: string; toolUseId: string; name: string; input: unknown; sessionId?: string; raw: Record<string, unknown> }
  /**
   * a synthetic assistant message for a failed API call (`error`: rate_limit, server_error,
   * billing_error, ...; `rateLimit` when it carries the limit's state), or a block kind Nox
   * does not know
   */
  | { kind: 'assistant-other'; messageId?: string; error?: string; rateLimit?: RateLimitInfo; raw: Record<string, unknown> }
  | { kind: 'tool-result'; toolUseId: string; content: unknown; isError: boolean; raw: Record<string, unknown> }
  | { kind: 'user-other'; raw: Record<string, unknown> }
  | {
      kind: 'result';
      subtype: string;
      isError: boolean;
      result?: string;
      errors: string[];
      numTurns?: number;
      durationMs?: number;
      /** cumulative for the PROCESS, not per turn */
      totalCostUsd: number;
      usage: Usage;
      sessionId?: string;
      terminalReason?: string;
      /** the HTTP status of the API call that failed the turn (429 rate/usage limit, 529 overloaded) */
      apiErrorStatus?: number;
      /** its error type: rate_limit_error, overloaded_error, ... */
      apiErrorType?: string;
      permissionDenials: unknown[];
      raw: Record<string, unknown>;
    }
  | { kind: 'api-retry'; attempt?: number; maxRetries?: number; retryDelayMs?: number; errorStatus?: number; raw: Record<string, unknown> }
  /** `rate_limit_event`: the usage limit's state changed (the run goes on after it) */
  | { kind: 'rate-limit'; info: RateLimitInfo; raw: Record<string, unknown> }
  /** `system/model_fallback`: the CLI switched to `--fallback-model` (the main one overloaded) */
  | { kind: 'model-fallback'; from?: string; to?: string; trigger?: string; raw: Record<string, unknown> }
  | { kind: 'permission-denied'; toolName?: string; toolUseId?: string; message?: string; raw: Record<string, unknown> }
  | { kind: 'system'; subtype: string; raw: Record<string, unknown> }
  | { kind: 'permission-request'; requestId: string; request: PermissionRequest; raw: Record<string, unknown> }
  | { kind: 'control-request'; requestId: string; subtype: string; raw: Record<string, unknown> }
  | { kind: 'control-cancel'; requestId: string; raw: Record<string, unknown> }
  | { kind: 'control-response'; requestId?: string; ok: boolean; error?: string; raw: Record<string, unknown> }
  | { kind: 'stream-event'; raw: Record<string, unknown> }
  | { kind: 'unknown'; type: string; raw: Record<string, unknown> };

export type AgentEventKind = AgentEvent['kind'];

/** What the supervisor answers to a `can_use_tool` question. */
export type PermissionDecision =
  | { behavior: 'allow'; updatedInput: Record<string, unknown> }
  | { behavior: 'deny'; message: string; interrupt?: boolean };

// ---- lines Nox writes on the CLI's stdin ----

export function userTurnLine(text: string, sessionId?: string): string {
  const line: Record<string, unknown> = { type: 'user', message: { role: 'user', content: text }, parent_tool_use_id: null };
  if (sessionId) line.session_id = sessionId;
  return `${JSON.stringify(line)}\n`;
}

export function interruptLine(requestId: string): string {
  return `${JSON.stringify({ type: 'control_request', request_id: requestId, request: { subtype: 'interrupt' } })}\n`;
}

/**
 * The answer to a `can_use_tool` request. An allow always carries `updatedInput` (2.1.197
 * refuses an allow without it; normally the original input).
 */
export function permissionResponseLine(requestId: string, decision: PermissionDecision): string {
  const response =
    decision.behavior === 'allow'
      ? { behavior: 'allow', updatedInput: decision.updatedInput }
      : { behavior: 'deny', message: decision.message, interrupt: decision.interrupt ?? false };
  return `${JSON.stringify({ type: 'control_response', response: { subtype: 'success', request_id: requestId, response } })}\n`;
}

/** Answers a control request Nox does not handle, so the CLI is never left waiting. */
export function controlErrorLine(requestId: string, error: string): string {
  return `${JSON.stringify({ type: 'control_response', response: { subtype: 'error', request_id: requestId, error } })}\n`;
}
