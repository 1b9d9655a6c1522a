import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parse } from 'smol-toml';
import { resolveAppendOnly } from '../../workers/registry/append-merge.js';
import { gitFor } from '../../workers/registry/git-repo.js';

/**
 * The union merge against a real git repository, for the case the writer cannot be made to
 * produce on demand: one branch closed a conversation day (compressed it) while the other
 * was still appending to it, so git sees a modify/delete on the `.toml` and an added `.gz`.
 */
describe('registry merge: a conversation day closed on one side and appended to on the other', () => {
  let dir: string;
  const DAY = 'agents/a1/conversations/2026-11-28.toml';
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8' });
  const line = (text: string, s: number) => `[[entries]]\nat = "2026-11-28T10:00:0${s}.000Z"\nrole = "user"\ntext = "${text}"\n`;

  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'nox-append-merge-'));
    git('init', '-q', '--initial-branch=main');
    git('config', 'user.email', 't@t');
    git('config', 'user.name', 't');
    mkdirSync(path.join(dir, path.dirname(DAY)), { recursive: true });
    writeFileSync(path.join(dir, DAY), line('base', 1));
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the union compressed, drops the open form, and leaves no conflict', async () => {
    git('checkout', '-q', '-b', 'exp');
    writeFileSync(path.join(dir, DAY), `${line('base', 1)}\n${line('exp', 3)}`);
    git('commit', '-q', '-am', 'exp appends');
    git('checkout', '-q', 'main');
    writeFileSync(path.join(dir, `${DAY}.gz`), gzipSync(`${line('base', 1)}\n${line('main', 2)}`));
    rmSync(path.join(dir, DAY));
    git('add', '-A');
    git('commit', '-q', '-m', 'main appends and closes the day');

    try {
      git('merge', '--no-ff', '--no-commit', 'exp');
    } catch {
      // a conflicting merge exits 1
    }
    const conflicted = git('diff', '--name-only', '--diff-filter=U').split('\n').filter(Boolean);
    expect(conflicted).to.deep.equal([DAY]);
    expect(await resolveAppendOnly(gitFor(dir), dir, conflicted, 100)).to.deep.equal([]);

    expect(git('diff', '--name-only', '--diff-filter=U').trim()).to.equal('');
    expect(existsSync(path.join(dir, DAY))).to.equal(false);
    const entries = (parse(gunzipSync(readFileSync(path.join(dir, `${DAY}.gz`))).toString('utf8')) as { entries: { text: string }[] }).entries;
    expect(entries.map((e) => e.text)).to.deep.equal(['base', 'main', 'exp']);
    git('commit', '-q', '--no-edit');
    expect(git('ls-tree', '-r', '--name-only', 'HEAD').trim().split('\n')).to.deep.equal([`${DAY}.gz`]);
  });

  it('still refuses an audit day deleted on one side', async () => {
    const AUDIT = 'audit/2026-11-28.toml';
    mkdirSync(path.join(dir, 'audit'));
    writeFileSync(path.join(dir, AUDIT), line('base', 1));
    git('add', '-A');
    git('commit', '-q', '-m', 'audit');
    git('checkout', '-q', '-b', 'exp');
    writeFileSync(path.join(dir, AUDIT), `${line('base', 1)}\n${line('exp', 3)}`);
    git('commit', '-q', '-am', 'exp appends');
    git('checkout', '-q', 'main');
    git('rm', '-q', AUDIT);
    git('commit', '-q', '-m', 'main deletes');
    try {
      git('merge', '--no-ff', '--no-commit', 'exp');
    } catch {
      // a conflicting merge exits 1
    }
    const conflicted = git('diff', '--name-only', '--diff-filter=U').split('\n').filter(Boolean);
    expect(await resolveAppendOnly(gitFor(dir), dir, conflicted, 100)).to.deep.equal([AUDIT]);
  });
});
