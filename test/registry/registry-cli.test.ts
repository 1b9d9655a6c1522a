import { expect } from 'chai';
import { files } from '../../shared/registry/layout.js';
import { redisUrl } from '../support/harness.js';
import { spawnNox } from '../support/processes.js';
import { startRegistry, type RegistryFixture } from '../support/registry-fixture.js';

describe('nox registry log|show|rollback|branch|backup', function () {
  this.timeout(60_000);
  let reg: RegistryFixture;
  before(async () => {
    reg = await startRegistry({ writer: { watchTasks: false } });
  });
  after(async () => {
    await reg.cleanup();
  });

  const nox = async (...args: string[]): Promise<{ code: number | null; text: string }> => {
    const p = spawnNox(['registry', ...args], { NOX_REGISTRY_DIR: reg.dir, NOX_REDIS_PREFIX: reg.config.redis.prefix, REDIS_URL: redisUrl(), NOX_LOG_LEVEL: 'silent' });
    const { code } = await p.exited();
    return { code, text: p.output() };
  };

  it('logs, shows, rolls back, branches, and explains a missing backup remote', async () => {
    const first = await reg.client.change({ message: 'set model sonnet', changes: [{ op: 'set', file: files.agents(), key: ['agents', 'a1', 'model'], value: 'sonnet' }] }, 'user:alice');
    await reg.client.change({ message: 'set model opus', changes: [{ op: 'set', file: files.agents(), key: ['agents', 'a1', 'model'], value: 'opus' }] }, 'agent:a1');

    const log = await nox('log', '--path', 'agents.toml');
    expect(log.code).to.equal(0);
    expect(log.text.trim().split('\n').map((l) => l.replace(/^\S+\s+\S+\s+/, '').replace(/\s+/g, ' '))).to.deep.equal(['agent:a1 set model opus', 'user:alice set model sonnet']);

    const show = await nox('show', first.sha!.slice(0, 8));
    expect(show.code).to.equal(0);
    expect(show.text).to.contain(`commit ${first.sha}`);
    expect(show.text).to.contain('+model = "sonnet"');

    const rollback = await nox('rollback', '--to', first.sha!, '--as', 'bob');
    expect(rollback.code, rollback.text).to.equal(0);
    expect(rollback.text).to.match(/^rolled back: [0-9a-f]{40} \(1 file\(s\)\)/);
    expect(reg.client.read.agent('a1')).to.deep.equal({ model: 'sonnet' });
    expect(reg.git('log', '-1', '--format=%an').trim()).to.equal('bob');

    expect((await nox('branch', 'create', 'experiment')).code).to.equal(0);
    const list = await nox('branch', 'list');
    expect(list.text).to.match(/\* main/);
    expect(list.text).to.contain('  experiment');

    const backup = await nox('backup');
    expect(backup.code).to.equal(1);
    expect(backup.text).to.contain('registry.backup_remote');

    const bad = await nox('log', '--path', '../../etc');
    expect(bad.code).to.equal(1);
    expect(bad.text).to.match(/must not contain "\.\."/);
  });

  it('nox worker --registry-writer is the writer: it takes over the lease and commits changes', async () => {
    await reg.writer.close();
    const env = { NOX_REGISTRY_DIR: reg.dir, NOX_REDIS_PREFIX: reg.config.redis.prefix, REDIS_URL: redisUrl(), NOX_LOG_LEVEL: 'info' };
    const worker = spawnNox(['worker', '--registry-writer'], env);
    try {
      await worker.waitFor(/registry writer started/, 30_000);
      const holder = await reg.clientCtx.redis.get(reg.clientCtx.keys.registryWriter());
      expect(holder).to.match(new RegExp(`^${worker.child.pid}-`));
      const done = await reg.client.change({ message: 'via the worker process', changes: [{ op: 'set', file: files.agentState('a9'), key: ['ok'], value: true }] }, 'system');
      expect(done.sha).to.match(/^[0-9a-f]{40}$/);
      expect(reg.git('log', '-1', '--format=%s').trim()).to.equal('via the worker process');
      worker.child.kill('SIGTERM');
      const { code } = await worker.exited();
      expect(code).to.equal(0);
      expect(await reg.clientCtx.redis.get(reg.clientCtx.keys.registryWriter())).to.equal(null);
    } finally {
      worker.kill();
    }
  });
});
