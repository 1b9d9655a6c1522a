import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import { personGit, personRepo } from './worktree-support.js';

/**
 * For the tests of `git http-backend` behind Nox's CGI glue (api/projects/git-http-backend.ts)
 * on a bare Express app: a bare repository `r.git` under a root, an app on a free port, and
 * raw HTTP requests whose client the test controls (it stops reading, or hangs up).
 */
export interface BackendRig {
  root: string;
  /** the tip of `main` in r.git */
  head: string;
  work: string;
}

/** A bare `r.git` under a new root; `randomMegabytes` of incompressible blobs make its pack that large. */
export function backendRig(randomMegabytes = 0): BackendRig {
  const work = mkdtempSync(path.join(os.tmpdir(), 'nox-served-backend-'));
  const repo = personRepo(path.join(work, 'project'));
  if (randomMegabytes > 0) {
    mkdirSync(path.join(repo, 'blobs'));
    for (let i = 0; i < randomMegabytes; i++) writeFileSync(path.join(repo, 'blobs', `b${i}.bin`), randomBytes(1 << 20));
    // stored and packed without compression: random bytes do not shrink, so why spend the time
    personGit(repo, '-c', 'core.compression=0', 'add', '-A');
    personGit(repo, 'commit', '-q', '-m', 'random blobs');
  }
  const root = path.join(work, 'root');
  mkdirSync(root);
  personGit(work, 'clone', '-q', '--bare', repo, path.join(root, 'r.git'));
  personGit(path.join(root, 'r.git'), '-c', 'pack.compression=0', 'repack', '-adq');
  return { root, head: personGit(repo, 'rev-parse', 'HEAD'), work };
}

export async function listen(app: Express): Promise<{ server: Server; port: number }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

/** one pkt-line of git's protocol */
const pkt = (line: string): string => `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;

/**
 * A fetch of `want` in full (protocol v0, no capabilities: the pack comes raw after `NAK`), sent
 * from a socket that never reads: what the server writes piles up in the kernel's buffers, then
 * in the server's.
 */
export function fetchWithoutReading(port: number, want: string): net.Socket {
  const body = `${pkt(`want ${want}\n`)}0000${pkt('done\n')}`;
  const socket = net.connect(port, '127.0.0.1');
  socket.pause();
  socket.on('error', () => undefined);
  socket.write(
    `POST /r.git/git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
  return socket;
}

/** The ref advertisement asked for by a socket the test hangs up when it likes. */
export function refsRequest(port: number): net.Socket {
  const socket = net.connect(port, '127.0.0.1');
  socket.on('error', () => undefined);
  socket.write('GET /r.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
  return socket;
}

/**
 * A folder with a `git` that logs each run to `log`, then runs the real git: put first on PATH
 * (the backend looks git up on the PATH of its call), it tells whether git was started at all.
 */
export function loggingGit(work: string): { dir: string; log: string } {
  const dir = path.join(work, 'logging-git');
  mkdirSync(dir);
  const log = path.join(work, 'git-runs.log');
  writeFileSync(log, '');
  const real = execFileSync('sh', ['-c', 'command -v git'], { encoding: 'utf8' }).trim();
  writeFileSync(path.join(dir, 'git'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
  chmodSync(path.join(dir, 'git'), 0o755);
  return { dir, log };
}

/** The `git` processes this process runs (children only: other tests' gits are not counted). */
export function gitChildren(): string[] {
  try {
    return execFileSync('ps', ['-o', 'args=', '--ppid', String(process.pid)], { encoding: 'utf8' })
      .split('\n')
      .filter((line) => /^git\b/.test(line.trim()));
  } catch {
    return []; // ps exits 1 when there are none
  }
}
