import { ERROR_CODE, isErrorCode, type ErrorCode } from '../../shared/errors/codes.js';
import { NoxError } from '../../shared/errors/nox-error.js';

/**
 * A worker host's client of the API's host routes (api/routes/host-join-routes.ts), with its
 * host credential as the bearer. The API's problem+json answer becomes a HostApiError with
 * its status and code; an API that cannot be reached, status 0.
 */
export interface JoinAnswer {
  credentialId: string;
  hostId: string;
  labels?: Record<string, string>;
  expiresAt?: string;
}

export interface HostApi {
  readonly url: string;
  /** `hostId`: the configured id (must be the credential's); `defaultHostId`: the id to take when neither names one */
  join(hostId: string | undefined, defaultHostId: string): Promise<JoinAnswer>;
  agentToken(agentId: string): Promise<{ token: string; expiresAt: string }>;
}

export class HostApiError extends NoxError {
  /** the HTTP status; 0 when the API did not answer */
  readonly httpStatus: number;
  constructor(httpStatus: number, code: ErrorCode, message: string) {
    super(code, message);
    this.httpStatus = httpStatus;
  }

  /** the API refused the credential itself (revoked, expired, unknown): asking again changes nothing */
  get credentialRefused(): boolean {
    return this.httpStatus === 401;
  }
}

/** How long one call may take: a host waits on these before an agent can start. */
const CALL_TIMEOUT_MS = 10_000;

export function hostApi(apiUrl: string, credential: string): HostApi {
  const url = apiUrl.replace(/\/$/, '');
  const call = async <T>(path: string, body: unknown): Promise<T> => {
    let res: Response;
    try {
      res = await fetch(`${url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
      });
    } catch (err) {
      throw new HostApiError(0, ERROR_CODE.internal, `the API at ${url} does not answer (${(err as Error).message})`);
    }
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { detail: text.slice(0, 200) };
    }
    if (res.ok) return parsed as T;
    const code = typeof parsed.code === 'string' && isErrorCode(parsed.code) ? parsed.code : ERROR_CODE.internal;
    throw new HostApiError(res.status, code, `the API at ${url} answered ${res.status} ${code}: ${String(parsed.detail ?? text.slice(0, 200))}`);
  };
  return {
    url,
    join: (hostId, defaultHostId) => call<JoinAnswer>('/api/host/join', { ...(hostId ? { hostId } : {}), defaultHostId }),
    agentToken: (agentId) => call<{ token: string; expiresAt: string }>(`/api/host/agents/${encodeURIComponent(agentId)}/token`, {}),
  };
}
