import path from 'node:path';
import { SandboxRefusedError } from '../../../shared/errors/agent-errors.js';

/**
 * What an agent's sandbox can reach, and how (docs/SANDBOX.md, "Network"). The sandbox has
 * its own network namespace: only its loopback, nothing of the host's. Each way out is a
 * unix socket in the agent's run folder, served by the worker host (endpoints.ts); inside,
 * socat listens on 127.0.0.1:<port> and passes every connection to that socket.
 *
 * - Nox's API (`agent.api_url`): a plain TCP forward. NOX_API_URL inside points at
 *   127.0.0.1, on the same port when it can (a loopback API keeps its URL).
 * - The model: `ANTHROPIC_BASE_URL` over http → a forward the same way (the URL rewritten);
 *   over https, or unset (https://api.anthropic.com) → the HTTPS proxy below.
 * - The HTTPS proxy: HTTP CONNECT to the model's host:port and `agent.network_allow`, and
 *   nothing else (connect-proxy.ts refuses link-local, metadata, Redis, the container engine
 *   and loopback ports that are not forwarded, whatever the list says). Set as HTTPS_PROXY.
 */
export interface HostPort {
  host: string;
  port: number;
}

export interface ForwardPlan {
  kind: 'forward';
  name: 'api' | 'model';
  socket: string;
  target: HostPort;
  insidePort: number;
}

export interface ProxyPlan {
  kind: 'proxy';
  name: 'proxy';
  socket: string;
  insidePort: number;
  /** host:port pairs CONNECT may reach (hosts lower-cased) */
  allow: HostPort[];
}

export type EndpointPlan = ForwardPlan | ProxyPlan;

export interface NetworkPlan {
  endpoints: EndpointPlan[];
  /** NOX_API_URL inside */
  apiUrl: string;
  /** what the agent's environment gets: the model URL as seen inside, the proxy variables */
  env: Record<string, string>;
}

export interface NetworkInput {
  apiUrl: string;
  /** ANTHROPIC_BASE_URL as the agent would get it (agent.env over the host's); undefined = Anthropic's API */
  modelUrl: string | undefined;
  /** more https endpoints of the model provider (Bedrock's, Vertex's base URLs) */
  providerUrls: string[];
  networkAllow: readonly string[];
  runDir: string;
}

const ANTHROPIC_API = 'https://api.anthropic.com';
/** Where the proxy listens inside, unless a forward took that port. */
const PROXY_PORT = 3128;
/** Ports under this need a capability inside the sandbox's network namespace; it has none. */
const FIRST_UNPRIVILEGED = 1024;
/** socat's address syntax splits on `:` and `,`; the kernel caps a socket path at 108 bytes. */
const SOCKET_PATH = /^[A-Za-z0-9._/+@-]+$/;
const MAX_SOCKET_PATH = 107;

export function planNetwork(input: NetworkInput): NetworkPlan {
  const used = new Set<number>();
  const pickPort = (preferred: number): number => {
    let port = preferred >= FIRST_UNPRIVILEGED && !used.has(preferred) ? preferred : 20_000;
    while (used.has(port)) port++;
    used.add(port);
    return port;
  };
  const endpoints: EndpointPlan[] = [];
  const env: Record<string, string> = {};

  const api = parseUrl(input.apiUrl, 'agent.api_url');
  if (api.protocol !== 'http:') {
    throw new SandboxRefusedError(`agent.api_url ${input.apiUrl} must be http:// while agents are sandboxed: the sandbox reaches the API through a plain TCP forward (point it at the worker's side of a TLS proxy)`);
  }
  const apiForward: ForwardPlan = { kind: 'forward', name: 'api', socket: socketPath(input.runDir, 'api'), target: hostPort(api), insidePort: pickPort(hostPort(api).port) };
  endpoints.push(apiForward);

  const allow: HostPort[] = [];
  const model = parseUrl(input.modelUrl ?? ANTHROPIC_API, 'ANTHROPIC_BASE_URL');
  if (model.protocol === 'http:') {
    const target = hostPort(model);
    const same = target.host === apiForward.target.host && target.port === apiForward.target.port;
    const forward: ForwardPlan = same ? apiForward : { kind: 'forward', name: 'model', socket: socketPath(input.runDir, 'model'), target, insidePort: pickPort(target.port) };
    if (!same) endpoints.push(forward);
    env.ANTHROPIC_BASE_URL = insideUrl(model, forward.insidePort);
  } else {
    allow.push(hostPort(model));
  }
  for (const url of input.providerUrls) {
    const parsed = parseUrl(url, 'a model provider URL');
    if (parsed.protocol === 'https:') allow.push(hostPort(parsed));
  }
  for (const entry of input.networkAllow) allow.push(parseHostPort(entry));

  if (allow.length > 0) {
    const proxy: ProxyPlan = { kind: 'proxy', name: 'proxy', socket: socketPath(input.runDir, 'proxy'), insidePort: pickPort(PROXY_PORT), allow: dedupe(allow) };
    endpoints.push(proxy);
    const proxyUrl = `http://127.0.0.1:${proxy.insidePort}`;
    Object.assign(env, { HTTPS_PROXY: proxyUrl, https_proxy: proxyUrl });
  }
  // the forwards are on loopback: nothing must send them through the proxy
  Object.assign(env, { NO_PROXY: 'localhost,127.0.0.1,::1', no_proxy: 'localhost,127.0.0.1,::1' });
  return { endpoints, apiUrl: insideUrl(api, apiForward.insidePort), env };
}

function parseUrl(text: string, what: string): URL {
  try {
    const url = new URL(text);
    if (url.protocol === 'http:' || url.protocol === 'https:') return url;
  } catch {
    // below
  }
  throw new SandboxRefusedError(`${what} "${text}" is not an http(s) URL`);
}

function hostPort(url: URL): HostPort {
  const port = url.port ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return { host: url.hostname.replace(/^\[|\]$/g, '').toLowerCase(), port };
}

/** `host:port` or `[v6]:port` from agent.network_allow (the config schema checked the shape). */
export function parseHostPort(entry: string): HostPort {
  const at = entry.lastIndexOf(':');
  return { host: entry.slice(0, at).replace(/^\[|\]$/g, '').toLowerCase(), port: Number(entry.slice(at + 1)) };
}

/** The same URL (path, query) on the sandbox's loopback. */
function insideUrl(url: URL, port: number): string {
  const inside = new URL(url.href);
  inside.hostname = '127.0.0.1';
  inside.port = String(port);
  // URL adds a `/` to a bare origin; clients append paths (`${NOX_API_URL}/api/...`)
  return url.pathname === '/' && !url.search ? inside.origin : inside.href;
}

function socketPath(runDir: string, name: string): string {
  const file = path.join(runDir, `${name}.sock`);
  if (!SOCKET_PATH.test(file)) throw new SandboxRefusedError(`the agent's endpoint socket ${file} has characters socat cannot take (only letters, digits and ._/+@-): move the registry folder`);
  if (Buffer.byteLength(file) > MAX_SOCKET_PATH) throw new SandboxRefusedError(`the agent's endpoint socket ${file} is longer than a unix socket path may be (${MAX_SOCKET_PATH} bytes): use a shorter registry path or agent id`);
  return file;
}

function dedupe(list: HostPort[]): HostPort[] {
  const seen = new Map(list.map((hp) => [`${hp.host}:${hp.port}`, hp]));
  return [...seen.values()];
}
