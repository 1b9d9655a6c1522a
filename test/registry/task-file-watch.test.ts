import { expect } from 'chai';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { createStreamTailer, type StreamTailer } from '../../shared/events/stream-tailer.js';
import { files } from '../../shared/registry/layout.js';
import type { DomainEvent } from '../../shared/types.js';
import { waitUntil } from '../support/harness.js';
import { startRegistry, type RegistryFixture } from '../support/registry-fixture.js';

describe('tasks markdown files are watched', () => {
  let reg: RegistryFixture;
  let tailer: StreamTailer;
  const seen: DomainEvent[] = [];
  const mdPath = (): string => path.join(reg.dir, 'tasks', 'a1.md');

  beforeEach(async () => {
    seen.length = 0;
    reg = await startRegistry();
    tailer = createStreamTailer({ redis: reg.clientCtx.connect('blocking', 'test-tail'), stream: reg.clientCtx.keys.events(), logger: reg.clientCtx.logger, blockMs: 100 });
    tailer.onEvent((e) => void seen.push(e));
    await tailer.start();
    await reg.client.change(
      {
        message: 'add two tasks',
        changes: [
          { op: 'upsert', file: files.agentTasks('a1'), key: ['tasks'], item: { id: 't-aa', title: 'Write the report', status: 'pending', priority: 'normal' } },
          { op: 'upsert', file: files.agentTasks('a1'), key: ['tasks'], item: { id: 't-bb', title: 'Review', status: 'pending', priority: 'normal' } },
        ],
      },
      'user:alice',
    );
  });
  afterEach(async () => {
    await tailer.stop();
    await reg.cleanup();
  });

  it('renders tasks.toml to tasks/<id>.md in the same commit, and does not echo its own write', async () => {
    expect(reg.git('show', '--name-only', '--format=', 'HEAD').trim().split('\n').sort()).to.deep.equal(['agents/a1/tasks.toml', 'tasks/a1.md']);
    expect(readFileSync(mdPath(), 'utf8')).to.contain('- [ ] Write the report {t-aa}');
    await new Promise((r) => setTimeout(r, 600)); // longer than the watcher's write-settle time
    await reg.writer.tasks!.idle();
    expect(reg.writer.tasks!.counts.applied).to.equal(0);
    expect(seen.filter((e) => e.type.startsWith('task.'))).to.deep.equal([]);
  });

  it('turns a person\'s edit (tick, priority, deadline, new task) into task events and a commit', async () => {
    const text = readFileSync(mdPath(), 'utf8')
      .replace('- [ ] Write the report {t-aa}', '- [x] Write the report {t-aa}')
      .replace('- [ ] Review {t-bb}', '- [ ] Review !high due:2027-02-01 {t-bb}\n- [ ] Call the client');
    writeFileSync(mdPath(), text);
    await waitUntil(() => seen.filter((e) => e.type === 'task.updated' || e.type === 'task.created').length >= 3, 10_000);
    const aa = seen.find((e) => e.taskId === 't-aa')!;
    expect(aa.type).to.equal('task.updated');
    expect((aa.data as { changes: unknown; source: string }).changes).to.deep.equal({ status: ['pending', 'done'] });
    expect((aa.data as { source: string }).source).to.equal('markdown');
    expect((seen.find((e) => e.taskId === 't-bb')!.data as { changes: unknown }).changes).to.deep.equal({ priority: ['normal', 'high'], deadline: [null, '2027-02-01'] });
    const created = seen.find((e) => e.type === 'task.created')!;
    expect(created.agentId).to.equal('a1');
    const tasks = reg.client.read.agentTasks('a1');
    expect(tasks.find((t) => t.id === 't-aa')!.status).to.equal('done');
    expect(tasks.find((t) => t.title === 'Call the client')!.id).to.equal(created.taskId);
    // The file is re-rendered with the new task's id, and that write is not echoed back.
    await waitUntil(() => readFileSync(mdPath(), 'utf8').includes(`Call the client {${created.taskId}}`), 5000);
    await new Promise((r) => setTimeout(r, 600));
    await reg.writer.tasks!.idle();
    expect(reg.writer.tasks!.counts.applied).to.equal(1);
    expect(reg.git('log', '-1', '--format=%s').trim()).to.match(/^apply a person's edit of tasks\/a1\.md/);
  });

  it('a malformed edit gives an error event with the line and keeps the last good state', async () => {
    const before = reg.git('rev-parse', 'HEAD').trim();
    const broken = readFileSync(mdPath(), 'utf8').replace('- [ ] Review {t-bb}', '- [ ] Review !asap {t-bb}');
    writeFileSync(mdPath(), broken);
    await waitUntil(() => seen.some((e) => e.type === 'task.edit-error'), 10_000);
    const err = seen.find((e) => e.type === 'task.edit-error')!;
    const line = broken.split('\n').findIndex((l) => l.includes('!asap')) + 1;
    expect(err.data).to.deep.include({ file: 'tasks/a1.md', line });
    expect((err.data as { message: string }).message).to.match(/unknown priority/);
    expect(reg.client.read.agentTasks('a1').map((t) => t.priority)).to.deep.equal(['normal', 'normal']);
    expect(reg.git('rev-parse', 'HEAD').trim()).to.equal(before);
    expect(readFileSync(mdPath(), 'utf8')).to.equal(broken); // the person's text is kept for them to fix
  });
});
