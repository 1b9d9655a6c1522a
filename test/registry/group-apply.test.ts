import { expect } from 'chai';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import type { ChangeOp, ParsedChangeOp } from '../../shared/registry/changes.js';
import { changeOpSchema } from '../../shared/registry/changes.js';
import { parseKeyedToml } from '../../shared/registry/keyed-toml.js';
import { files } from '../../shared/registry/layout.js';
import { planChange, writePlanned } from '../../workers/registry/apply-change.js';
import { createDocCache } from '../../workers/registry/doc-cache.js';
import { createWorkspace } from '../../workers/registry/workspace.js';

/**
 * A group applied in memory — copy-on-write per change, agents.toml re-stringified only
 * where it changed, each file written once — leaves the same files and the same
 * refusals as its changes applied one by one, each read from and written to disk.
 */
describe('registry writer: a group applied in memory equals its changes one by one', () => {
  let dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    dirs = [];
  });

  /** a small deterministic generator (mulberry32), so a failure can be replayed */
  const random = (seed: number): (() => number) => () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };

  const changesFor = (seed: number, count: number): ChangeOp[][] => {
    const r = random(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const id = (): string => `a${Math.floor(r() * 30)}`;
    const one = (): ChangeOp => {
      switch (Math.floor(r() * 14)) {
        case 0:
        case 1:
          return { op: 'set', file: files.agents(), key: ['agents', id()], value: { model: pick(['sonnet', 'opus']), labels: { team: pick(['x', 'y']) }, n: Math.floor(r() * 100) } };
        case 2:
          return { op: 'merge', file: files.agents(), key: ['agents', id()], value: { tier: Math.floor(r() * 3) } };
        case 3:
          return { op: 'unset', file: files.agents(), key: ['agents', id()] };
        case 4:
          return { op: 'set', file: files.agents(), key: ['agents', id(), 'labels', 'zone'], value: pick(['eu', 'us']) };
        case 5:
          return { op: 'set', file: files.agents(), key: ['agents', id(), 'model', 'deep'], value: 1 }; // often refused: model is a string
        case 6:
          return { op: 'set', file: files.agents(), key: ['agents', pick(['Bad_Id', 'ok-id'])], value: { model: 'x' } }; // Bad_Id: refused by the schema
        case 7:
          return { op: 'push', file: files.agentMemory(pick(['m1', 'm2'])), key: ['notes'], items: [pick(['a', 'b', null])] }; // null: not representable
        case 8:
          return { op: 'upsert', file: files.agentTasks('t1'), key: ['tasks'], item: { id: `t-${Math.floor(r() * 5)}`, title: `task ${Math.floor(r() * 9)}`, status: 'pending', priority: 'normal', created_at: '2026-11-28T00:00:00.000Z', updated_at: '2026-11-28T00:00:00.000Z' } };
        case 9:
          return { op: 'merge', file: files.agents(), key: [], value: { version: Math.floor(r() * 3) } }; // the preamble: the file is written whole
        case 10:
          return r() < 0.5 ? { op: 'remove', file: files.agentMemory('m2') } : { op: 'replace', file: files.agentMemory('m2'), content: { fresh: true } };
        case 11:
          return { op: 'set', file: files.mcpServices(), key: ['services', id()], value: { image: 'x' } };
        case 12:
          return r() < 0.2 ? { op: 'unset', file: files.agents(), key: ['agents'] } : { op: 'delete-item', file: files.agentTasks('t1'), key: ['tasks'], id: `t-${Math.floor(r() * 5)}` };
        default:
          return { op: 'write-text', file: files.agents(), text: 'refused: agents.toml is TOML' };
      }
    };
    return Array.from({ length: count }, () => Array.from({ length: 1 + Math.floor(r() * 3) }, one));
  };

  const seedDir = (): string => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nox-group-apply-'));
    dirs.push(dir);
    const agents = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`a${i}`, { model: 'sonnet', n: i, labels: { team: 'x' } }]));
    // a hand-made layout too: a comment and a blank line in a section the changes may leave alone
    writeFileSync(path.join(dir, 'agents.toml'), stringify({ agents }).replace('[agents.a3]\n', '# the third agent\n[agents.a3]\n\n'));
    return dir;
  };

  const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));
  const codeOf = (fn: () => void): string => {
    try {
      fn();
      return 'ok';
    } catch (err) {
      return (err as { code?: string }).code ?? (err as Error).message;
    }
  };

  const tree = (dir: string): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    const walk = (rel: string): void => {
      for (const e of readdirSync(path.join(dir, rel))) {
        const child = rel ? `${rel}/${e}` : e;
        if (statSync(path.join(dir, child)).isDirectory()) walk(child);
        else out[child] = child.endsWith('.toml') ? JSON.parse(JSON.stringify(parse(readFileSync(path.join(dir, child), 'utf8')))) : readFileSync(path.join(dir, child), 'utf8');
      }
    };
    walk('');
    return out;
  };

  /** applies the changes as one group in one copy of the seed folder and one by one in another; both must agree */
  const compare = (all: ChangeOp[][], parts = 1): string[] => {
    const grouped = seedDir();
    const single = mkdtempSync(path.join(tmpdir(), 'nox-group-apply-'));
    dirs.push(single);
    cpSync(grouped, single, { recursive: true });
    const cache = createDocCache(grouped);
    const codes: string[] = [];
    const size = Math.ceil(all.length / parts);
    for (let from = 0; from < all.length; from += size) {
      const parsed = all.slice(from, from + size).map((ops) => ops.map((op) => changeOpSchema.parse(op) as ParsedChangeOp));
      const workspace = createWorkspace(grouped, cache);
      const inGroup = parsed.map((ops) => codeOf(() => workspace.apply(ops)));
      const writes = workspace.render();
      writePlanned(grouped, writes);
      workspace.remember(writes);
      // what the writer remembers of agents.toml is what a reader reads from it
      const remembered = cache.lookup('agents.toml');
      const read = parseKeyedToml(readFileSync(path.join(grouped, 'agents.toml'), 'utf8'), 'agents');
      expect(read, 'agents.toml can be read by sections').to.not.equal(undefined);
      if (remembered?.kind === 'keyed') {
        expect(plain(remembered.keyed.doc)).to.deep.equal(plain(read!.doc));
        expect([...remembered.keyed.sections].map(([id, x]) => [id, x.text])).to.deep.equal([...read!.sections].map(([id, x]) => [id, x.text]));
        expect(remembered.keyed.preamble).to.equal(read!.preamble);
      }
      const oneByOne = parsed.map((ops) => codeOf(() => writePlanned(single, planChange(single, ops))));
      expect(inGroup).to.deep.equal(oneByOne);
      expect(tree(grouped)).to.deep.equal(tree(single));
      // the key order (the file's section order) too
      expect(Object.keys(parse(readFileSync(path.join(grouped, 'agents.toml'), 'utf8')).agents ?? {})).to.deep.equal(Object.keys(parse(readFileSync(path.join(single, 'agents.toml'), 'utf8')).agents ?? {}));
      codes.push(...inGroup);
    }
    return codes;
  };

  it('undoes a failed change exactly: removed entries come back in their place, added ones go', () => {
    const agents = files.agents();
    const codes = compare([
      [{ op: 'unset', file: agents, key: ['agents', 'a4'] }, { op: 'set', file: agents, key: ['agents', 'a0', 'model', 'deep'], value: 1 }],
      [{ op: 'set', file: agents, key: ['agents', 'new1'], value: { model: 'x' } }, { op: 'unset', file: agents, key: ['agents', 'a7'] }, { op: 'push', file: files.agentMemory('m'), key: ['k'], items: [null] }],
      [{ op: 'merge', file: agents, key: ['agents', 'a2'], value: { tier: 1 } }, { op: 'set', file: agents, key: ['agents', 'Bad_Id'], value: {} }],
      [{ op: 'unset', file: agents, key: ['agents', 'a9'] }, { op: 'set', file: agents, key: ['agents', 'a9'], value: { model: 'back' } }],
      [{ op: 'merge', file: agents, key: [], value: { version: 2 } }, { op: 'unset', file: agents, key: ['agents', 'a1'] }, { op: 'set', file: agents, key: ['agents', 'a0', 'model', 'deep'], value: 1 }],
      [{ op: 'set', file: agents, key: ['agents', 'a3', 'labels', 'zone'], value: 'eu' }],
    ]);
    expect(codes).to.deep.equal(['nox:registry-change-failed', 'nox:registry-change-failed', 'nox:registry-change-failed', 'ok', 'nox:registry-change-failed', 'ok']);
  });

  for (const seed of [1, 2, 3, 4, 5, 6]) {
    it(`seed ${seed}: same files, same refusals, over two groups (the second from the writer's cache)`, () => {
      const codes = compare(changesFor(seed, 60), 2);
      expect(codes.filter((c) => c === 'ok').length, 'some changes apply').to.be.greaterThan(10);
      expect(codes.filter((c) => c !== 'ok').length, 'some are refused').to.be.greaterThan(0);
    });
  }
});
