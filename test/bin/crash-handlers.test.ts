import { expect } from 'chai';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { decideRestart, RESTART_MAX_DELAY_MS, RESTART_WINDOW_MS } from '../../bin/child-restarts.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

describe('a crash is not an outage', () => {
  it('logs an unhandled rejection with its cause and goes on; an uncaught exception is logged and exits 70', async () => {
    const handlers = pathToFileURL(path.join(root, 'bin', 'crash-handlers.ts')).href;
    const script = `
      const { installCrashHandlers } = await import(${JSON.stringify(handlers)});
      installCrashHandlers();
      Promise.reject(new Error('a lost promise', { cause: new Error('the root cause') }));
      setTimeout(() => { process.stdout.write('still alive\\n'); throw new Error('boom'); }, 200);`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: root, env: { ...process.env, LOG_LEVEL: 'info' } });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    const lines = err.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, string>);
    const rejection = lines.find((l) => /unhandled promise rejection/.test(l.message!));
    expect(rejection, err).to.include({ error: 'a lost promise', cause: 'the root cause', level: 'error' });
    expect(out).to.equal('still alive\n');
    expect(lines.find((l) => /uncaught exception/.test(l.message!)), err).to.include({ error: 'boom' });
    expect(code).to.equal(70);
  });

  it('restarts a dead child at once, then with a doubling delay, counting deaths of the last 10 minutes; never after a config error', () => {
    const deaths: number[] = [];
    const t0 = 1_000_000;
    expect(decideRestart(deaths, t0, 1)).to.deep.equal({ restart: true, delayMs: 0, deathsInWindow: 1 });
    expect(decideRestart(deaths, t0 + 10, null)).to.deep.equal({ restart: true, delayMs: 1000, deathsInWindow: 2 });
    expect(decideRestart(deaths, t0 + 20, 1)).to.deep.equal({ restart: true, delayMs: 2000, deathsInWindow: 3 });
    for (let i = 0; i < 10; i++) decideRestart(deaths, t0 + 30 + i, 1);
    expect(decideRestart(deaths, t0 + 100, 1)).to.include({ delayMs: RESTART_MAX_DELAY_MS });
    // long after: the window forgot them
    expect(decideRestart(deaths, t0 + RESTART_WINDOW_MS + 1000, 1)).to.deep.equal({ restart: true, delayMs: 0, deathsInWindow: 1 });
    expect(decideRestart(deaths, t0 + RESTART_WINDOW_MS + 2000, 2)).to.deep.equal({ restart: false, why: 'its configuration is invalid (exit code 2)' });
  });
});
