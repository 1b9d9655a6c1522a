import { expect } from 'chai';
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startAgentStack, type AgentStack } from '../agents/agent-stack.js';
import { hostCredential, personGit, personRepo } from './worktree-support.js';

/**
 * The served mirror's slots per host, through the route (api/routes/git-routes.ts with
 * shared/projects/git-limit.ts): a host that opens four fetches of a large pack and never
 * reads them holds at most two of the four slots — its other two wait — so another host's
 * request is still served. Before, the first host held all four for up to their 600 s bound.
 */
describe('projects: one host cannot hold every slot of the served mirror', function () {
  this.timeout(120_000);
  let stack: AgentStack;
  let repo: string;
  const sockets: net.Socket[] = [];

  before(async () => {
    stack = await startAgentStack({ hosts: 0 });
    repo = personRepo();
    // a pack far larger than the socket buffers: a fetch not read keeps its git waiting, and its slot
    mkdirSync(path.join(repo, 'blobs'));
    for (let i = 0; i < 24; i++) writeFileSync(path.join(repo, 'blobs', `b${i}.bin`), randomBytes(1 << 20));
    personGit(repo, '-c', 'core.compression=0', 'add', '-A');
    personGit(repo, 'commit', '-q', '-m', 'random blobs');
    await stack.json('POST', '/api/projects', 201, { body: { name: 'lim', repo } });
    for (const id of ['l1', 'l2']) await stack.createAgent({ id, project: 'lim' });
  });
  after(async () => {
    for (const s of sockets) s.destroy();
    await stack.cleanup();
    rmSync(repo, { recursive: true, force: true });
  });

  const pkt = (line: string): string => `${(Buffer.byteLength(line) + 4).toString(16).padStart(4, '0')}${line}`;
  /** a fetch of the whole base, from a socket that never reads what comes back */
  const hangingFetch = (credential: string, agentId: string, want: string): net.Socket => {
    const { port } = new URL(stack.api.url);
    const body = `${pkt(`want ${want}\n`)}0000${pkt('done\n')}`;
    const socket = net.connect(Number(port), '127.0.0.1');
    socket.pause();
    socket.on('error', () => undefined);
    socket.write(
      `POST /api/projects/lim/agents/${agentId}/git/git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${credential}\r\n` +
        `Content-Type: application/x-git-upload-pack-request\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
    sockets.push(socket);
    return socket;
  };

  it('a host with four fetches it never reads holds two slots; another host is served meanwhile', async () => {
    const greedy = await hostCredential(stack, 'greedy');
    const polite = await hostCredential(stack, 'polite');
    // bounded: with every slot held by the other host it would wait for their 600 s
    const refs = (credential: string, agentId: string) =>
      fetch(`${stack.api.url}/api/projects/lim/agents/${agentId}/git/info/refs?service=git-upload-pack`, { headers: { authorization: `Bearer ${credential}` }, signal: AbortSignal.timeout(20_000) });
    // the served repositories exist, and the base's tip is known
    expect((await refs(polite, 'l1')).status).to.equal(200);
    const base = personGit(repo, 'rev-parse', 'main');
    for (let i = 0; i < 4; i++) hangingFetch(greedy, 'l1', base);
    // give the four time to take what they can (the served repository's git starts packing 24 MB for each)
    await new Promise((r) => setTimeout(r, 1500));
    const served = await refs(polite, 'l2');
    expect(served.status).to.equal(200);
    expect(await served.text()).to.contain('refs/heads/main');
  });
});
