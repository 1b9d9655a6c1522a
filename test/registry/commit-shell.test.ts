import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createCommitShell, type CommitShell } from '../../workers/registry/commit-shell.js';

/**
 * The writer's long-lived commit shell (workers/registry/commit-shell.ts): what it is given
 * is data, never shell syntax (an actor's name, a path, a message file are quoted); scripts
 * run one at a time in order, each with its own environment and folder; a shell that dies
 * fails what waits and the next script starts another.
 */
describe('registry: the commit shell', () => {
  let dir: string;
  let shell: CommitShell;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nox-commit-shell-'));
    execFileSync('git', ['init', '-q'], { cwd: dir });
    shell = createCommitShell(dir);
  });
  afterEach(() => {
    shell.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('passes arguments and environment as data, never as shell syntax', async () => {
    const hostile = [`a'b`, '$(touch pwned)', '`touch pwned2`', 'x; touch pwned3', 'two\nlines', '"q"', '*', ''];
    const r = await shell.run('printf "%s|" "$@"; printf "%s" "$V" >&2', hostile, { V: hostile.join('/') });
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal(`${hostile.join('|')}|`);
    expect(r.stderr).to.equal(hostile.join('/'));
    for (const f of ['pwned', 'pwned2', 'pwned3']) expect(existsSync(path.join(dir, f)), f).to.equal(false);
    // a variable of one script is not seen by the next (each runs in its own subshell)
    expect((await shell.run('printf "%s" "${V-unset}"; cd /', [], {})).stdout).to.equal('unset');
    expect((await shell.run('pwd', [], {})).stdout.trim()).to.equal(execFileSync('pwd', { cwd: dir, encoding: 'utf8' }).trim());
    await shell.run('true', [], { 'BAD NAME': 'x' }).then(
      () => expect.fail('an environment name that is not one is refused'),
      (err: Error) => expect(err.message).to.match(/not an environment name/),
    );
  });

  it('runs scripts one at a time, in order, each with its own exit code', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => shell.run(`echo ${i} >> order; echo ${i}; exit ${i % 3}`, [], {})));
    expect(results.map((r) => r.stdout.trim())).to.deep.equal(Array.from({ length: 20 }, (_, i) => String(i)));
    expect(results.map((r) => r.code)).to.deep.equal(Array.from({ length: 20 }, (_, i) => i % 3));
    expect(execFileSync('cat', ['order'], { cwd: dir, encoding: 'utf8' }).trim().split('\n')).to.deep.equal(Array.from({ length: 20 }, (_, i) => String(i)));
  });

  it('a shell that dies fails the script it ran; the next script starts a new shell', async () => {
    const dying = shell.run('kill -9 $$; sleep 5', [], {});
    await dying.then(
      () => expect.fail('the script whose shell died must fail'),
      (err: Error) => expect(err.message).to.match(/commit shell exited/),
    );
    expect((await shell.run('echo again', [], {})).stdout.trim()).to.equal('again');
  });
});
