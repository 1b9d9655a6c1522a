import { expect } from 'chai';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import os from 'node:os';
import path from 'node:path';
import { withMirrorLock } from '../../shared/projects/mirror-lock.js';

/**
 * The cross-process lock on a mirror (shared/projects/mirror-lock.ts): work under it never
 * overlaps, a lock whose owner died is taken over, one whose owner lives is waited for.
 */
describe('projects: one process at a time on a mirror', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'nox-mirror-lock-'));
  after(() => rmSync(root, { recursive: true, force: true }));
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  it('never runs two holders at once, and leaves no lock behind', async () => {
    const mirror = path.join(root, 'a.git');
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 6 }, () =>
        withMirrorLock(mirror, async () => {
          inside += 1;
          most = Math.max(most, inside);
          await sleep(10);
          inside -= 1;
        }),
      ),
    );
    expect(most).to.equal(1);
    expect(existsSync(`${mirror}.nox-lock`)).to.equal(false);
  });

  it('takes over a lock whose owner died, and waits for one whose owner lives', async () => {
    const mirror = path.join(root, 'b.git');
    const dead = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' }).stdout;
    mkdirSync(`${mirror}.nox-lock`);
    writeFileSync(path.join(`${mirror}.nox-lock`, 'owner'), `${hostname()} ${dead}`);
    expect(await withMirrorLock(mirror, async () => 'ran')).to.equal('ran');

    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 30000)'], { stdio: 'ignore' });
    try {
      mkdirSync(`${mirror}.nox-lock`);
      writeFileSync(path.join(`${mirror}.nox-lock`, 'owner'), `${hostname()} ${live.pid} n1`);
      let ran = false;
      const waiting = withMirrorLock(mirror, async () => {
        ran = true;
      });
      await sleep(200);
      expect(ran, 'ran while a live owner held the lock').to.equal(false);
      rmSync(`${mirror}.nox-lock`, { recursive: true });
      await waiting;
      expect(ran).to.equal(true);
    } finally {
      live.kill('SIGKILL');
    }
  });

  it('takes over a lock naming this very pid that this process does not hold (a restart as the same pid), and one left without an owner', async () => {
    const mirror = path.join(root, 'c.git');
    mkdirSync(`${mirror}.nox-lock`);
    writeFileSync(path.join(`${mirror}.nox-lock`, 'owner'), `${hostname()} ${process.pid} before-the-restart`);
    expect(await withMirrorLock(mirror, async () => 'ran')).to.equal('ran');
    mkdirSync(`${mirror}.nox-lock`);
    const old = new Date(Date.now() - 60_000);
    utimesSync(`${mirror}.nox-lock`, old, old);
    expect(await withMirrorLock(mirror, async () => 'ran too')).to.equal('ran too');
    expect(existsSync(`${mirror}.nox-lock`)).to.equal(false);
  });
});
