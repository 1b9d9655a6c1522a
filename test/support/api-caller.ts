import { expect } from 'chai';
import type { Role } from '../../shared/types.js';
import { tokenFor } from './harness.js';

/**
 * How the test stacks talk to their API: `call` sends JSON with a role's token (admin by
 * default) or a given one; `json` also asserts the status and parses the answer.
 */
export interface CallOptions {
  role?: Role;
  token?: string;
  body?: unknown;
  /** extra request headers (e.g. If-None-Match) */
  headers?: Record<string, string>;
}

export interface ApiCaller {
  call(method: string, urlPath: string, options?: CallOptions): Promise<Response>;
  json<T = Record<string, unknown>>(method: string, urlPath: string, status: number, options?: CallOptions): Promise<T>;
}

export function apiCaller(baseUrl: string): ApiCaller {
  const call: ApiCaller['call'] = async (method, urlPath, opts = {}) => {
    const headers: Record<string, string> = { ...opts.headers, authorization: `Bearer ${opts.token ?? tokenFor(opts.role ?? 'admin')}` };
    let body: string | undefined;
    if (opts.body !== undefined) {
      body = JSON.stringify(opts.body);
      headers['content-type'] = 'application/json';
    }
    return fetch(`${baseUrl}${urlPath}`, { method, headers, body });
  };
  const json = async <T>(method: string, urlPath: string, status: number, opts: CallOptions = {}): Promise<T> => {
    const res = await call(method, urlPath, opts);
    const text = await res.text();
    expect(res.status, `${method} ${urlPath}: ${text}`).to.equal(status);
    return (text ? JSON.parse(text) : {}) as T;
  };
  return { call, json };
}
