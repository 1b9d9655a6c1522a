import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Readable } from 'node:stream';
import { signToken } from '../shared/auth/tokens.js';
import type { Role } from '../shared/types.js';
import { configOrExit } from './boot.js';

/**
 * The CLI's client of the REST API (`nox agent`, `nox task`, `nox send`, `nox approvals`,
 * `nox mcp`, ...). The URL comes from --url, NOX_API_URL, the running `nox up`
 * (.runtime/up.json) or the configured port; the token from NOX_TOKEN, or one minted with
 * the configured secret (operator role unless the command needs another, one minute, as `nox-cli`). A problem+json answer
 * becomes an Error that says its status, code and detail.
 */
export interface ApiClient {
  call<T = Record<string, unknown>>(method: string, urlPath: string, body?: unknown): Promise<T>;
  /** sends `body` as it is (a file's stream, say), with its content type and length */
  send<T = Record<string, unknown>>(method: string, urlPath: string, body: { stream: NodeJS.ReadableStream; contentType: string; length: number }): Promise<T>;
}

export interface RuntimeInfo {
  apiUrl?: string;
  /** without its password */
  redisUrl?: string;
  /** `nox up` runs its own redis-server (its password: the secrets file's `[redis] local_password`) */
  localRedis?: boolean;
}

/** What the running `nox up` wrote about itself, if it runs. */
export function readRuntime(registryDir: string): RuntimeInfo {
  const file = path.join(registryDir, '.runtime', 'up.json');
  if (!existsSync(file)) return {};
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as RuntimeInfo;
  } catch {
    return {};
  }
}

export function apiClient(url?: string, options: { role?: Role } = {}): ApiClient {
  const config = configOrExit();
  const base = (url ?? process.env.NOX_API_URL ?? readRuntime(config.registryDir).apiUrl ?? `http://127.0.0.1:${config.api.port}`).replace(/\/$/, '');
  const secret = config.auth.jwt_secret;
  const token = process.env.NOX_TOKEN ?? (secret ? signToken(secret, { sub: 'nox-cli', role: options.role ?? 'operator' }, { expiresIn: '1m' }) : undefined);
  if (!token) throw new Error('no token: set NOX_TOKEN, or configure auth.jwt_secret (nox up does)');
  const answer = async <T>(res: Response): Promise<T> => {
    const text = await res.text();
    let parsed: Record<string, unknown> = {};
    try {
      parsed = text ? (JSON.parse(text) as Record<string, unknown>) : {};
    } catch {
      parsed = { detail: text };
    }
    if (!res.ok) throw new Error(`${res.status} ${String(parsed.code ?? '')}: ${String(parsed.detail ?? text)}`);
    return parsed as T;
  };
  return {
    async call<T>(method: string, urlPath: string, body?: unknown): Promise<T> {
      const res = await fetch(`${base}${urlPath}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return answer<T>(res);
    },
    async send<T>(method: string, urlPath: string, body: { stream: NodeJS.ReadableStream; contentType: string; length: number }): Promise<T> {
      const res = await fetch(`${base}${urlPath}`, {
        method,
        headers: { authorization: `Bearer ${token}`, 'content-type': body.contentType, 'content-length': String(body.length) },
        body: Readable.toWeb(Readable.from(body.stream)) as ReadableStream,
        duplex: 'half',
      } as RequestInit);
      return answer<T>(res);
    },
  };
}
