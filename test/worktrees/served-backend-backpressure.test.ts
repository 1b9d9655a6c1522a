import { expect } from 'chai';
import express, { type Response } from 'express';
import { rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type net from 'node:net';
import { runHttpBackend } from '../../api/projects/git-http-backend.js';
import { waitUntil } from '../support/harness.js';
import { backendRig, fetchWithoutReading, gitChildren, listen, type BackendRig } from './served-backend-support.js';

/**
 * A host that fetches and does not read (api/projects/git-http-backend.ts): git's output goes
 * to the client no faster than the client takes it, so the API holds a bounded amount of the
 * pack, not all of it, and git waits; and when that client hangs up, git is killed and the
 * call ends (its slot freed), though git's output was paused.
 */
describe('projects: the served mirror’s git answers no faster than its client reads', function () {
  this.timeout(60_000);
  // well past what the kernel's socket buffers on both ends take (a few MB on loopback)
  const PACK_MB = 24;
  const BOUND = 1 << 20;
  let rig: BackendRig;
  let server: Server;
  let port: number;
  let served: { res: Response; ended: boolean } | undefined;

  before(async () => {
    rig = backendRig(PACK_MB);
    const app = express();
    app.post('/r.git/git-upload-pack', (req, res) => {
      const call = { res, ended: false };
      served = call;
      void runHttpBackend(req, res, { root: rig.root, pathInfo: '/r.git/git-upload-pack', remoteUser: 'test', timeoutMs: 60_000 }).then(() => {
        call.ended = true;
      });
    });
    ({ server, port } = await listen(app));
  });
  after(() => {
    server.closeAllConnections();
    server.close();
    rmSync(rig.work, { recursive: true, force: true });
  });

  it('a client that stops reading: the API holds under 1 MB of the pack and git waits; the client gone, git is killed and the call ends', async () => {
    const client: net.Socket = fetchWithoutReading(port, rig.head);
    await waitUntil(() => served !== undefined && served.res.headersSent, 10_000);
    const call = served!;

    // what the API holds for this client (its own buffer and its socket's), over a few seconds
    // in which git, unchecked, would have written the whole pack many times over
    let most = 0;
    const until = Date.now() + 4000;
    while (Date.now() < until && !call.ended && most <= BOUND) {
      most = Math.max(most, call.res.writableLength);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(most, `bytes the API held for a client that does not read (pack ${PACK_MB} MB)`).to.be.at.most(BOUND);
    expect(call.ended, 'git still has the pack to send').to.equal(false);
    expect(gitChildren().some((line) => line.includes('http-backend')), 'git http-backend is still running').to.equal(true);

    client.destroy();
    await waitUntil(() => call.ended, 10_000);
    await waitUntil(() => !gitChildren().some((line) => line.includes('http-backend')), 5000);
  });
});
