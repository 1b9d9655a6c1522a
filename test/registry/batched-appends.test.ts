import { expect } from 'chai';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { utcDate } from '../../shared/registry/layout.js';
import { waitUntil } from '../support/harness.js';
import { startRegistry, type RegistryFixture } from '../support/registry-fixture.js';

const commitsOfKind = (reg: RegistryFixture, kind: string): number =>
  reg.git('log', '--format=%(trailers:key=Nox-Kind,valueonly)').split('\n').filter((l) => l.trim() === kind).length;

describe('registry: batched appends and compressed closed days', () => {
  let reg: RegistryFixture | undefined;
  afterEach(async () => {
    await reg?.cleanup();
    reg = undefined;
  });

  it('commits many conversation lines in a few batches (by size), in order, none lost', async () => {
    reg = await startRegistry({ overrides: { 'registry.flush_interval_ms': 60_000, 'registry.flush_max_entries': 200 } });
    const today = utcDate();
    for (let i = 0; i < 450; i++) {
      await reg.client.append({ target: 'conversation', agentId: i % 2 ? 'a2' : 'a1', entry: { role: 'assistant', text: `line ${i}`, n: i } });
    }
    await reg.client.flush();
    const a1 = reg.client.read.conversation('a1', today);
    const a2 = reg.client.read.conversation('a2', today);
    expect(a1.length + a2.length).to.equal(450);
    expect(a1.map((e) => e.n)).to.deep.equal(Array.from({ length: 225 }, (_, k) => 2 * k));
    expect(a2.map((e) => e.n)).to.deep.equal(Array.from({ length: 225 }, (_, k) => 2 * k + 1));
    const batches = commitsOfKind(reg, 'batch');
    // Size-triggered flushes commit full batches of 200; the final flush takes the rest.
    expect(batches).to.equal(3);
    expect(reg.git('log', '-1', '--format=%s').trim()).to.match(/^append \d+ conversation line\(s\) of a[12], a[12]$/);
  });

  it('flushes on the interval without anyone asking, as one commit', async () => {
    reg = await startRegistry({ overrides: { 'registry.flush_interval_ms': 200 } });
    for (let i = 0; i < 5; i++) await reg.client.append({ target: 'conversation', agentId: 'a1', entry: { role: 'user', text: `hi ${i}` } });
    await waitUntil(() => commitsOfKind(reg!, 'batch') > 0, 10_000);
    expect(reg.client.read.conversation('a1', utcDate()).map((e) => e.text)).to.deep.equal(['hi 0', 'hi 1', 'hi 2', 'hi 3', 'hi 4']);
    expect(commitsOfKind(reg, 'batch')).to.equal(1);
  });

  it('keeps only the newest resource samples', async () => {
    reg = await startRegistry({ overrides: { 'registry.flush_interval_ms': 60_000, 'registry.resource_samples_kept': 10 } });
    for (let i = 0; i < 15; i++) await reg.client.append({ target: 'resource-usage', entry: { agentId: 'a1', cpu: i } });
    await reg.client.flush();
    expect(reg.client.read.resourceSamples().map((s) => s.cpu)).to.deep.equal([5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  });

  it('compresses closed days, which stay readable, and reopens one for a late line', async () => {
    reg = await startRegistry({ overrides: { 'registry.flush_interval_ms': 60_000 } });
    const yesterday = new Date(Date.now() - 86_400_000).toISOString();
    const day = yesterday.slice(0, 10);
    await reg.client.append({ target: 'conversation', agentId: 'a1', entry: { at: yesterday, role: 'user', text: 'old news' } });
    await reg.client.append({ target: 'conversation', agentId: 'a1', entry: { role: 'user', text: 'today' } });
    await reg.client.flush();
    const file = path.join(reg.dir, 'agents', 'a1', 'conversations', `${day}.toml`);
    expect(existsSync(`${file}.gz`)).to.equal(true);
    expect(existsSync(file)).to.equal(false);
    expect(reg.git('ls-files', 'agents/a1/conversations').trim().split('\n').sort()).to.deep.equal([`agents/a1/conversations/${day}.toml.gz`, `agents/a1/conversations/${utcDate()}.toml`].sort());
    expect(reg.client.read.conversation('a1', day).map((e) => e.text)).to.deep.equal(['old news']);
    expect(reg.client.read.conversationDays('a1')).to.deep.equal([
      { date: day, compressed: true },
      { date: utcDate(), compressed: false },
    ]);
    expect(commitsOfKind(reg, 'compact')).to.equal(1);

    // A late line for the closed day: appended, and the day is compressed again.
    await reg.client.append({ target: 'conversation', agentId: 'a1', entry: { at: yesterday, role: 'assistant', text: 'late reply' } });
    await reg.client.flush();
    expect(existsSync(`${file}.gz`)).to.equal(true);
    expect(reg.client.read.conversation('a1', day).map((e) => e.text)).to.deep.equal(['old news', 'late reply']);
    expect(reg.git('status', '--porcelain').trim()).to.equal('');
  });
});
