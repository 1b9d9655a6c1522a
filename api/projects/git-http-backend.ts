import { spawn } from 'node:child_process';
import type { Request, Response } from 'express';

/**
 * `git http-backend` as a CGI (docs/WORKTREES.md, "Movable"): the smart-HTTP protocol
 * git's clients speak — the ref advertisement, `git-upload-pack` (fetch) and
 * `git-receive-pack` (push) — for one repository under `root`. The request body goes to its
 * stdin as it arrives (a gzipped one too: `HTTP_CONTENT_ENCODING`), its answer's CGI headers
 * become the response's, the rest streams back. No system or global git config, no hooks but
 * the repository's own (its `update` hook: shared/projects/served-mirror.ts), and a time bound.
 *
 * Always protocol v0/v1: the client's `Git-Protocol: version=2` is not passed on, since a v2
 * upload-pack sends any object it has whose id is asked for (it ignores
 * `uploadpack.allowAnySHA1InWant` and hidden refs), where v0 sends only what an advertised
 * ref reaches — and each agent's view hides the other agents' branches (`config`).
 */
export interface BackendCall {
  root: string;
  /** `/<name>.git/<service path>` */
  pathInfo: string;
  /** who pushes: the route checked it; the update hook reads it */
  pushAgent?: string;
  remoteUser: string;
  timeoutMs: number;
  /** git config for this request only (GIT_CONFIG_COUNT), e.g. the refs this caller may see */
  config?: ReadonlyArray<readonly [string, string]>;
}

/** `GIT_CONFIG_COUNT`/`GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n`: settings no file holds, for one process. */
function configEnv(config: ReadonlyArray<readonly [string, string]>): Record<string, string> {
  const env: Record<string, string> = { GIT_CONFIG_COUNT: String(config.length) };
  config.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * Whether the client of this request is gone (it hung up, or its answer was already sent):
 * nothing would read what git says. A request can wait a long time for a slot (git-limit.ts),
 * and the `close` it made meanwhile will not come again for a listener attached after it.
 * Not `req.destroyed`: Node destroys a request once its body is read (autoDestroy), its
 * client still there.
 */
export function clientGone(req: Request, res: Response): boolean {
  return res.destroyed || res.writableEnded || !req.socket || req.socket.destroyed;
}

/**
 * An AbortSignal aborted when the client of this request goes (res `close` before its answer
 * ended, or gone already): for `GitSlots.run(work, { signal })`, so that a request whose client
 * hung up while it waited for a slot leaves the queue instead of running for no one.
 */
export function clientGoneSignal(req: Request, res: Response): AbortSignal {
  const controller = new AbortController();
  const gone = (): void => {
    if (!res.writableFinished) controller.abort(new Error('the client went away'));
  };
  if (clientGone(req, res)) gone();
  else res.once('close', gone);
  return controller.signal;
}

export async function runHttpBackend(req: Request, res: Response, call: BackendCall): Promise<void> {
  // gone while this request waited for its slot: git would run for no one, holding the slot
  if (clientGone(req, res)) return;
  const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?') + 1) : '';
  const child = spawn('git', ['http-backend'], {
    stdio: ['pipe', 'pipe', 'pipe'],
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: '/nonexistent',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_PROJECT_ROOT: call.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: call.pathInfo,
      REQUEST_METHOD: req.method,
      QUERY_STRING: query,
      CONTENT_TYPE: req.headers['content-type'] ?? '',
      ...(req.headers['content-length'] ? { CONTENT_LENGTH: String(req.headers['content-length']) } : {}),
      ...(req.headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(req.headers['content-encoding']) } : {}),
      REMOTE_USER: call.remoteUser,
      REMOTE_ADDR: req.socket.remoteAddress ?? '',
      ...(call.pushAgent ? { NOX_PUSH_AGENT: call.pushAgent } : {}),
      ...(call.config?.length ? configEnv(call.config) : {}),
    },
  });
  const timer = setTimeout(() => child.kill('SIGKILL'), call.timeoutMs);
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString('utf8');
  });
  req.pipe(child.stdin);
  child.stdin.on('error', () => undefined); // the backend answered (a refusal) before reading everything
  req.on('aborted', () => child.kill('SIGKILL'));
  // the client gone before the backend finished (a host stopped or killed mid-fetch or push):
  // nothing will read the answer, so the backend does not keep its slot until its time bound
  res.on('close', () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    // its output may be paused for a `drain` that will not come now: read what is left, dropped
    // (send skips a destroyed response), so the child's `close` ends this call. Node resumes a
    // dead child's pipes itself too (child_process flushStdio), but does not document it.
    child.stdout.resume();
  });

  await new Promise<void>((resolve) => {
    let head = Buffer.alloc(0);
    let headersDone = false;
    // Backpressure: git waits while the client reads slowly (or not at all), instead of this
    // process holding the whole pack in memory; a client gone resumes it (`close` above).
    const send = (chunk: Buffer): void => {
      if (res.destroyed) return;
      if (!res.write(chunk)) {
        child.stdout.pause();
        res.once('drain', () => child.stdout.resume());
      }
    };
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        send(chunk);
        return;
      }
      head = Buffer.concat([head, chunk]);
      const end = headerEnd(head);
      if (!end) return;
      headersDone = true;
      applyCgiHeaders(res, head.subarray(0, end.at).toString('latin1'));
      const rest = head.subarray(end.at + end.length);
      if (rest.length > 0) send(rest);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      if (!headersDone) {
        if (!res.headersSent) res.status(500).type('text/plain').send(`git http-backend failed (${code ?? 'killed'}): ${stderr.trim().slice(0, 500)}`);
      } else res.end();
      resolve();
    });
    child.on('error', () => {
      clearTimeout(timer);
      if (!res.headersSent) res.status(500).type('text/plain').send('git http-backend could not run');
      resolve();
    });
  });
}

function headerEnd(buf: Buffer): { at: number; length: number } | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf < lf)) return { at: crlf, length: 4 };
  if (lf >= 0) return { at: lf, length: 2 };
  return undefined;
}

function applyCgiHeaders(res: Response, text: string): void {
  let status = 200;
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
    else res.setHeader(name, value);
  }
  res.status(status);
  res.flushHeaders();
}
