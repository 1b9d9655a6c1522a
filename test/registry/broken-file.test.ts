import { expect } from 'chai';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { RegistryFileInvalidError } from '../../shared/errors/registry-errors.js';
import { files } from '../../shared/registry/layout.js';
import { startRegistry, type RegistryFixture } from '../support/registry-fixture.js';

describe('registry: a hand-edited broken file', () => {
  let reg: RegistryFixture;
  beforeEach(async () => {
    reg = await startRegistry();
    await reg.client.change({ message: 'add a1', changes: [{ op: 'set', file: files.agents(), key: ['agents', 'a1'], value: { model: 'sonnet' } }] }, 'user:alice');
  });
  afterEach(async () => {
    await reg.cleanup();
  });

  const catchErr = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (e) {
      return e;
    }
    return undefined;
  };

  it('gives an error naming the file and the line, and a change to it destroys nothing', async () => {
    const file = path.join(reg.dir, 'agents.toml');
    const broken = `${readFileSync(file, 'utf8')}\n[agents.a2]\nmodel = "opus\n`;
    writeFileSync(file, broken);
    const err = catchErr(() => reg.client.read.agents()) as RegistryFileInvalidError;
    expect(err).to.be.instanceOf(RegistryFileInvalidError);
    expect(err.file).to.equal('agents.toml');
    expect(err.line).to.equal(broken.split('\n').findIndex((l) => l.startsWith('model = "opus')) + 1);
    expect(err.message).to.match(/^agents\.toml:\d+: /);

    let changeErr: { code?: string; status?: number; message?: string } = {};
    try {
      await reg.client.change({ message: 'add a3', changes: [{ op: 'set', file: files.agents(), key: ['agents', 'a3'], value: { model: 'x' } }] }, 'system');
    } catch (e) {
      changeErr = e as typeof changeErr;
    }
    expect(changeErr.code).to.equal('nox:registry-file-invalid');
    expect(changeErr.status).to.equal(422);
    expect(changeErr.message).to.contain('agents.toml:');
    expect(readFileSync(file, 'utf8')).to.equal(broken);

    // Other files still change normally.
    const ok = await reg.client.change({ message: 'state', changes: [{ op: 'replace', file: files.agentState('a1'), content: { status: 'idle' } }] }, 'system');
    expect(ok.sha).to.match(/^[0-9a-f]{40}$/);
  });

  it('names the key and its line when the TOML parses but the shape is wrong', () => {
    const file = path.join(reg.dir, 'agents', 'a1', 'tasks.toml');
    writeFileSync(path.join(reg.dir, 'agents.toml'), '[agents.a1]\nmodel = "x"\n\n[agents."Not An Id"]\nmodel = "y"\n');
    const err = catchErr(() => reg.client.read.agents()) as RegistryFileInvalidError;
    expect(err.code).to.equal('nox:registry-file-invalid');
    expect(err.line).to.equal(4);
    expect(err.message).to.contain('agents.Not An Id');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, '[[tasks]]\nid = "t-1"\ntitle = "x"\nstatus = "someday"\n');
    const taskErr = catchErr(() => reg.client.read.agentTasks('a1')) as RegistryFileInvalidError;
    expect(taskErr.file).to.equal('agents/a1/tasks.toml');
    expect(taskErr.line).to.equal(4);
  });

  it('refuses a change that would make a file invalid', async () => {
    let err: { code?: string } = {};
    try {
      await reg.client.change({ message: 'bad', changes: [{ op: 'set', file: files.agents(), key: ['agents', 'Bad Id'], value: { model: 'x' } }] }, 'system');
    } catch (e) {
      err = e as typeof err;
    }
    expect(err.code).to.equal('nox:registry-change-failed');
    expect(reg.client.read.agents()).to.deep.equal({ a1: { model: 'sonnet' } });
  });
});
