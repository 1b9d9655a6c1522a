import { ApiError, CLIENT_CODE, errorFromResponse } from './problem';

/**
 * The one way the dashboard calls the API. The login cookie (httpOnly, set by POST
 * /api/auth/login) rides along on every same-origin request, so no token is ever handled
 * here. A 401 means the session is gone: the registered handler sends the person back to
 * the login page with a message, instead of every page failing on its own.
 */
export type AuthLostHandler = (error: ApiError) => void;

let authLost: AuthLostHandler | undefined;

export function onAuthLost(handler: AuthLostHandler | undefined): void {
  authLost = handler;
}

export function reportAuthLost(error: ApiError): void {
  authLost?.(error);
}

export interface CallOptions {
  body?: unknown;
  /** a 401 is an answer, not a lost session (login, the first "who am I") */
  anonymousOk?: boolean;
  signal?: AbortSignal;
}

/**
 * Sent with every call: a change authenticated by the cookie must prove it comes from this
 * page (api/http/csrf.ts), and a page of another origin cannot add a custom header.
 */
const SAME_ORIGIN_HEADER = { 'x-nox-request': '1' };

export async function apiCall<T>(method: string, path: string, options: CallOptions = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...SAME_ORIGIN_HEADER };
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(options.body);
  }
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body, credentials: 'same-origin', signal: options.signal });
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    throw new ApiError(0, CLIENT_CODE.network, 'Cannot reach the Nox API — is it running?');
  }
  if (!res.ok) {
    const error = await errorFromResponse(res);
    if (res.status === 401 && !options.anonymousOk) reportAuthLost(error);
    throw error;
  }
  if (res.status === 204) return undefined as T;
  const type = res.headers.get('content-type') ?? '';
  return (/json/.test(type) ? await res.json() : await res.text()) as T;
}

export const api = {
  get: <T>(path: string, options?: CallOptions) => apiCall<T>('GET', path, options),
  post: <T>(path: string, body?: unknown, options?: CallOptions) => apiCall<T>('POST', path, { ...options, body: body ?? {} }),
  patch: <T>(path: string, body: unknown, options?: CallOptions) => apiCall<T>('PATCH', path, { ...options, body }),
  delete: <T>(path: string, options?: CallOptions) => apiCall<T>('DELETE', path, options),
};
