import type { AgentEvent, PermissionRequest, RateLimitInfo, Usage } from './protocol.js';

/**
 * Turns one stdout line of the CLI into typed events. Never throws: a line that is not
 * JSON, or JSON that is not an object, comes back as `{ ok: false }` with the reason, and the
 * caller logs it. An `assistant` line holds one content block (docs/AGENTS.md, "Reading it"), but an array
 * of several is handled too, so one line may give several events.
 */
export type ParsedLine = { ok: true; events: AgentEvent[] } | { ok: false; reason: string; line: string };

type Obj = Record<string, unknown>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** The length of the line each parsed object came from, so its size is known without serialising it again (agent-output.ts). */
const lineLengths = new WeakMap<object, number>();

/** The JSON length of a raw object parsed here (the line's length), or undefined for one made elsewhere. */
export function rawLineLength(raw: object): number | undefined {
  return lineLengths.get(raw);
}

export function parseAgentLine(line: string): ParsedLine {
  const text = line.trim();
  if (text === '') return { ok: true, events: [] };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    return { ok: false, reason: `not JSON: ${(err as Error).message}`, line: text.slice(0, 500) };
  }
  if (!isObj(raw)) return { ok: false, reason: 'not a JSON object', line: text.slice(0, 500) };
  const type = str(raw.type);
  if (!type) return { ok: false, reason: 'no "type" field', line: text.slice(0, 500) };
  lineLengths.set(raw, text.length);
  return { ok: true, events: toEvents(type, raw) };
}

function toEvents(type: string, raw: Obj): AgentEvent[] {
  switch (type) {
    case 'system':
      return [systemEvent(raw)];
    case 'assistant':
      return assistantEvents(raw);
    case 'user':
      return userEvents(raw);
    case 'result':
      return [resultEvent(raw)];
    case 'control_request':
      return [controlRequest(raw)];
    case 'control_cancel_request':
      return [{ kind: 'control-cancel', requestId: str(raw.request_id) ?? '', raw }];
    case 'control_response': {
      const response = isObj(raw.response) ? raw.response : {};
      return [{ kind: 'control-response', requestId: str(response.request_id), ok: response.subtype === 'success', error: str(response.error), raw }];
    }
    case 'stream_event':
      return [{ kind: 'stream-event', raw }];
    case 'rate_limit_event':
      return [{ kind: 'rate-limit', info: rateLimitInfo(raw.rate_limit_info) ?? { status: 'unknown' }, raw }];
    default:
      return [{ kind: 'unknown', type, raw }];
  }
}

function systemEvent(raw: Obj): AgentEvent {
  const subtype = str(raw.subtype) ?? '';
  if (subtype === 'init') {
    const servers = Array.isArray(raw.mcp_servers) ? raw.mcp_servers.filter(isObj) : [];
    return {
      kind: 'init',
      sessionId: str(raw.session_id) ?? '',
      model: str(raw.model),
      cwd: str(raw.cwd),
      tools: Array.isArray(raw.tools) ? raw.tools.filter((t): t is string => typeof t === 'string') : [],
      mcpServers: servers.map((s) => ({ name: str(s.name) ?? '', status: str(s.status) ?? 'unknown' })),
      permissionMode: str(raw.permissionMode),
      version: str(raw.claude_code_version),
      raw,
    };
  }
  if (subtype === 'api_retry') {
    return {
      kind: 'api-retry',
      attempt: num(raw.attempt),
      maxRetries: num(raw.max_retries),
      retryDelayMs: num(raw.retry_delay_ms),
      errorStatus: num(raw.error_status),
      raw,
    };
  }
  if (subtype === 'model_fallback') {
    return { kind: 'model-fallback', from: str(raw.original_model), to: str(raw.fallback_model), trigger: str(raw.trigger), raw };
  }
  if (subtype === 'permission_denied') {
    return { kind: 'permission-denied', toolName: str(raw.tool_name), toolUseId: str(raw.tool_use_id), message: str(raw.message), raw };
  }
  return { kind: 'system', subtype, raw };
}

function assistantEvents(raw: Obj): AgentEvent[] {
  const message = isObj(raw.message) ? raw.message : {};
  const messageId = str(message.id);
  const sessionId = str(raw.session_id);
  const error = str(raw.error);
  const blocks = Array.isArray(message.content) ? message.content.filter(isObj) : [];
  if (error || blocks.length === 0) {
    const params = isObj(raw.api_error_params) ? raw.api_error_params : {};
    const rateLimit = rateLimitInfo(params.rate_limit_info);
    return [{ kind: 'assistant-other', messageId, error, ...(rateLimit ? { rateLimit } : {}), raw }];
  }
  return blocks.map((block): AgentEvent => {
    if (block.type === 'text') return { kind: 'assistant-text', messageId, text: str(block.text) ?? '', sessionId, raw };
    if (block.type === 'tool_use') {
      return { kind: 'tool-use', messageId, toolUseId: str(block.id) ?? '', name: str(block.name) ?? '', input: block.input, sessionId, raw };
    }
    return { kind: 'assistant-other', messageId, raw };
  });
}

function userEvents(raw: Obj): AgentEvent[] {
  const message = isObj(raw.message) ? raw.message : {};
  const blocks = Array.isArray(message.content) ? message.content.filter(isObj) : [];
  const results = blocks.filter((b) => b.type === 'tool_result');
  if (results.length === 0) return [{ kind: 'user-other', raw }];
  return results.map((b) => ({
    kind: 'tool-result',
    toolUseId: str(b.tool_use_id) ?? '',
    content: b.content,
    isError: b.is_error === true,
    raw,
  }));
}

function resultEvent(raw: Obj): AgentEvent {
  const u = isObj(raw.usage) ? raw.usage : {};
  const usage: Usage = {
    input_tokens: num(u.input_tokens) ?? 0,
    output_tokens: num(u.output_tokens) ?? 0,
    cache_creation_input_tokens: num(u.cache_creation_input_tokens) ?? 0,
    cache_read_input_tokens: num(u.cache_read_input_tokens) ?? 0,
  };
  const subtype = str(raw.subtype) ?? 'success';
  return {
    kind: 'result',
    subtype,
    // is_error is the truth: "not logged in" gives subtype success with is_error true
    isError: raw.is_error === true || subtype !== 'success',
    result: str(raw.result),
    errors: Array.isArray(raw.errors) ? raw.errors.map(String) : [],
    numTurns: num(raw.num_turns),
    durationMs: num(raw.duration_ms),
    totalCostUsd: num(raw.total_cost_usd) ?? 0,
    usage,
    sessionId: str(raw.session_id),
    terminalReason: str(raw.terminal_reason),
    apiErrorStatus: num(raw.api_error_status),
    apiErrorType: str(raw.api_error_type),
    permissionDenials: Array.isArray(raw.permission_denials) ? raw.permission_denials : [],
    raw,
  };
}

function rateLimitInfo(v: unknown): RateLimitInfo | undefined {
  if (!isObj(v) || typeof v.status !== 'string') return undefined;
  const info: RateLimitInfo = { status: v.status };
  const resetsAt = num(v.resetsAt);
  if (resetsAt !== undefined) info.resetsAt = resetsAt;
  if (typeof v.rateLimitType === 'string') info.rateLimitType = v.rateLimitType;
  const utilization = num(v.utilization);
  if (utilization !== undefined) info.utilization = utilization;
  if (typeof v.overageStatus === 'string') info.overageStatus = v.overageStatus;
  const overageResetsAt = num(v.overageResetsAt);
  if (overageResetsAt !== undefined) info.overageResetsAt = overageResetsAt;
  if (typeof v.isUsingOverage === 'boolean') info.isUsingOverage = v.isUsingOverage;
  return info;
}

function controlRequest(raw: Obj): AgentEvent {
  const requestId = str(raw.request_id) ?? '';
  const request = isObj(raw.request) ? raw.request : {};
  const subtype = str(request.subtype) ?? '';
  if (subtype === 'can_use_tool') {
    const permission: PermissionRequest = {
      ...(request as unknown as PermissionRequest),
      subtype: 'can_use_tool',
      tool_name: str(request.tool_name) ?? '',
      input: isObj(request.input) ? request.input : {},
    };
    return { kind: 'permission-request', requestId, request: permission, raw };
  }
  return { kind: 'control-request', requestId, subtype, raw };
}

/**
 * Splits a byte stream into lines. Keeps a partial line until its newline arrives; a line
 * longer than `maxLine` is cut and reported (a runaway line must not eat the host's memory).
 */
export function createLineSplitter(onLine: (line: string) => void, maxLine = 8 * 1024 * 1024): { push(chunk: string): void; end(): void } {
  let buffer = '';
  return {
    push(chunk) {
      buffer += chunk;
      let nl = buffer.indexOf('\n');
      while (nl >= 0) {
        onLine(buffer.slice(0, nl));
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
      }
      if (buffer.length > maxLine) {
        onLine(buffer);
        buffer = '';
      }
    },
    end() {
      if (buffer.length > 0) onLine(buffer);
      buffer = '';
    },
  };
}
