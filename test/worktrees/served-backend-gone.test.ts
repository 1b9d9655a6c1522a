import { expect } from 'chai';
import express from 'express';
import { readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { clientGoneSignal, runHttpBackend } from '../../api/projects/git-http-backend.js';
import { isNoxError } from '../../shared/errors/nox-error.js';
import { gitSlots, type GitSlots } from '../../shared/projects/git-limit.js';
import { waitUntil } from '../support/harness.js';
import { backendRig, listen, loggingGit, refsRequest, type BackendRig } from './served-backend-support.js';

/**
 * A host's git request whose client hangs up while it waits for a git slot
 * (shared/projects/git-limit.ts, api/projects/git-http-backend.ts): git is not started for
 * no one when its turn comes, and with the request's `clientGoneSignal` it leaves the queue
 * at once, so the slot goes to the next request rather than to a fetch nobody reads.
 */
describe('projects: a served git request whose client went away while it waited does not run git', function () {
  this.timeout(30_000);
  let rig: BackendRig;
  let git: { dir: string; log: string };
  let savedPath: string | undefined;

  before(() => {
    rig = backendRig();
    git = loggingGit(rig.work);
    // the backend starts `git` from the PATH of the call: this test's logging one first
    savedPath = process.env.PATH;
    process.env.PATH = `${git.dir}:${savedPath ?? ''}`;
  });
  after(() => {
    process.env.PATH = savedPath;
    rmSync(rig.work, { recursive: true, force: true });
  });

  /**
   * An app whose info/refs runs in `slots`, its one slot held until `free()`; `outcomes` gets
   * each call's end, `hangUps` counts the responses closed before they were sent.
   */
  const start = async (withSignal: boolean) => {
    const slots: GitSlots = gitSlots(1, 4);
    let free = (): void => undefined;
    const holding = slots.run(() => new Promise<void>((resolve) => (free = resolve)));
    const outcomes: string[] = [];
    let hangUps = 0;
    const app = express();
    app.get('/r.git/info/refs', (req, res) => {
      res.on('close', () => {
        if (!res.writableFinished) hangUps += 1;
      });
      const backend = () => runHttpBackend(req, res, { root: rig.root, pathInfo: '/r.git/info/refs', remoteUser: 'test', timeoutMs: 10_000 });
      slots.run(backend, withSignal ? { signal: clientGoneSignal(req, res) } : {}).then(
        () => outcomes.push('ran'),
        (err: unknown) => outcomes.push(isNoxError(err) ? err.code : String(err)),
      );
    });
    const { server, port }: { server: Server; port: number } = await listen(app);
    return { slots, free: () => free(), holding, outcomes, hangUps: () => hangUps, server, port };
  };
  const gitRuns = (): string[] => readFileSync(git.log, 'utf8').split('\n').filter(Boolean);

  it('gone while queued: when its slot comes, it returns without starting git', async () => {
    const s = await start(false);
    try {
      const before = gitRuns().length;
      const client = refsRequest(s.port);
      await waitUntil(() => s.slots.queued === 1);
      client.destroy();
      await waitUntil(() => s.hangUps() === 1);
      s.free();
      await s.holding;
      await waitUntil(() => s.outcomes.length === 1);
      expect(s.outcomes).to.deep.equal(['ran']);
      expect(gitRuns().slice(before), 'git runs for a client that was gone').to.deep.equal([]);
      expect([s.slots.busy, s.slots.queued]).to.deep.equal([0, 0]);

      // and one that stays is answered through the same path, its git logged (the log works)
      const stays = refsRequest(s.port);
      const answer = await new Promise<string>((resolve) => {
        let text = '';
        stays.on('data', (d: Buffer) => (text += d.toString('latin1')));
        stays.on('close', () => resolve(text));
      });
      expect(answer).to.match(/^HTTP\/1\.1 200/).and.to.include('# service=git-upload-pack');
      expect(gitRuns().slice(before)).to.have.length.greaterThan(0);
    } finally {
      s.server.closeAllConnections();
      s.server.close();
    }
  });

  it('with the request’s clientGoneSignal: gone while queued, it leaves the queue at once, and the slot goes to the next', async () => {
    const s = await start(true);
    try {
      const before = gitRuns().length;
      const gone = refsRequest(s.port);
      await waitUntil(() => s.slots.queued === 1);
      gone.destroy();
      await waitUntil(() => s.slots.queued === 0, 2000);
      expect(s.outcomes).to.deep.equal(['nox:request-aborted']);
      expect(s.slots.busy, 'the held slot only').to.equal(1);

      const next = refsRequest(s.port);
      const answer = new Promise<string>((resolve) => {
        let text = '';
        next.on('data', (d: Buffer) => (text += d.toString('latin1')));
        next.on('close', () => resolve(text));
      });
      await waitUntil(() => s.slots.queued === 1);
      s.free();
      await s.holding;
      expect(await answer).to.match(/^HTTP\/1\.1 200/);
      expect(s.outcomes).to.deep.equal(['nox:request-aborted', 'ran']);
      // only the request that stayed started git (http-backend, and the upload-pack it runs)
      expect(gitRuns().slice(before).filter((line) => line === 'http-backend')).to.have.length(1);
    } finally {
      s.server.closeAllConnections();
      s.server.close();
    }
  });
});
