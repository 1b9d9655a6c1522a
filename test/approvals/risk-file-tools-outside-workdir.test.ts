import { expect } from 'chai';
import type { RiskLevel } from '../../shared/approvals/approval-request.js';
import { classifyToolUse } from '../../shared/approvals/risk.js';

/** File tools reaching outside the agent's workdir (and its add_dirs) need a person: high, critical for edits. */
describe('approval risk of file tools outside the workdir', () => {
  const workdir = '/srv/agents/a1/workspace';
  const addDirs = ['/data/shared'];
  const level = (tool: string, input: Record<string, unknown>): RiskLevel => classifyToolUse({ tool, input, workdir, addDirs }).level;

  it('reads inside the workdir or an extra dir are low, outside high', () => {
    expect(level('Read', { file_path: 'src/a.ts' })).to.equal('low');
    expect(level('Read', { file_path: `${workdir}/README.md` })).to.equal('low');
    expect(level('Read', { file_path: '/data/shared/notes.md' })).to.equal('low');
    expect(level('NotebookRead', { notebook_path: 'nb.ipynb' })).to.equal('low');
    expect(level('LS', { path: 'src' })).to.equal('low');
    for (const [tool, input] of [
      ['Read', { file_path: '/etc/passwd' }],
      ['Read', { file_path: '~/.ssh/id_rsa' }],
      ['NotebookRead', { notebook_path: '/home/me/x.ipynb' }],
      ['LS', { path: '/' }],
      ['Grep', { pattern: 'password', path: '/etc' }],
      ['Glob', { pattern: '*.pem', path: '/root' }],
    ] as const) {
      const r = classifyToolUse({ tool, input, workdir, addDirs });
      expect(r.level, `${tool} ${JSON.stringify(input)}`).to.equal('high');
      expect(r.reasons[0]).to.match(/outside the agent's workdir$/);
    }
  });

  it('`..` and look-alike prefixes are resolved against the workdir', () => {
    expect(level('Read', { file_path: '../../a2/workspace/.env' })).to.equal('high');
    expect(level('Read', { file_path: `${workdir}/src/../../../a2/secret` })).to.equal('high');
    expect(level('Read', { file_path: `${workdir}/src/../README.md` })).to.equal('low');
    expect(level('Read', { file_path: `${workdir}-evil/x` }), 'a sibling sharing the prefix').to.equal('high');
    expect(level('Read', { file_path: `${workdir}/./src//a.ts` })).to.equal('low');
    expect(level('Grep', { pattern: 'x', path: 'src/../..' })).to.equal('high');
  });

  it('Glob and Grep without a path search the workdir; a Glob pattern can climb out by itself', () => {
    expect(level('Grep', { pattern: 'TODO' })).to.equal('low');
    expect(level('Glob', { pattern: '**/*.ts' })).to.equal('low');
    expect(level('Glob', { pattern: 'src/**/*.ts', path: workdir })).to.equal('low');
    expect(level('Glob', { pattern: '/etc/**/*.conf' })).to.equal('high');
    expect(level('Glob', { pattern: '../*/workspace/.env' })).to.equal('high');
    expect(level('Glob', { pattern: '**/../../*' })).to.equal('high');
  });

  it('edits (Edit, MultiEdit, Write, NotebookEdit) outside stay critical', () => {
    for (const tool of ['Edit', 'MultiEdit', 'Write']) {
      expect(level(tool, { file_path: '/etc/hosts' }), tool).to.equal('critical');
      expect(level(tool, { file_path: '../escape.txt' }), tool).to.equal('critical');
      expect(level(tool, { file_path: 'src/ok.ts' }), tool).to.equal('medium');
    }
    expect(level('NotebookEdit', { notebook_path: '/tmp/x.ipynb' })).to.equal('critical');
  });

  it('with no workdir known, a read of an absolute or climbing path is high', () => {
    const noWorkdir = (input: Record<string, unknown>): RiskLevel => classifyToolUse({ tool: 'Read', input }).level;
    expect(noWorkdir({ file_path: 'README.md' })).to.equal('low');
    expect(noWorkdir({ file_path: '/etc/shadow' })).to.equal('high');
    expect(noWorkdir({ file_path: '../x' })).to.equal('high');
  });

  it('tools without paths keep their level', () => {
    expect(level('TodoWrite', { todos: [] })).to.equal('low');
    expect(level('BashOutput', { bash_id: 'b1' })).to.equal('low');
  });
});
