import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The rooms of the tree (docs/DEVELOPMENT.md) hold as the architecture says:
 * - `shared/` is what the API and the workers both use: it imports from no other room;
 * - `api/` and `workers/` never import each other (they meet in Redis, through shared/);
 * - nothing that ships imports `test/` or `bench/`;
 * - `bench/` reaches into `test/` only through `test/support/` and `test/fixtures/`.
 * Type-only imports count: a type that lives in the wrong room is still in the wrong room.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const ROOMS = ['api', 'workers', 'shared', 'bin', 'bench', 'test', 'dashboard'] as const;
type Room = (typeof ROOMS)[number];

const FORBIDDEN: Record<Room, Room[]> = {
  shared: ['api', 'workers', 'bin', 'bench', 'test', 'dashboard'],
  api: ['workers', 'bin', 'bench', 'test', 'dashboard'],
  workers: ['api', 'bin', 'bench', 'test', 'dashboard'],
  bin: ['bench', 'test', 'dashboard'],
  dashboard: ['api', 'workers', 'bin', 'bench', 'test'],
  bench: [],
  test: ['bench'],
};
/** the parts of test/ a benchmark may use */
const BENCH_MAY_USE = ['test/support/', 'test/fixtures/'];

interface Edge {
  from: string;
  to: string;
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'dist') continue;
      out.push(...sourceFiles(rel));
    } else if (/\.(ts|tsx|mts)$/.test(entry.name) && !entry.name.endsWith('.d.ts')) {
      out.push(rel);
    }
  }
  return out;
}

/** every relative import, export-from and dynamic import of a file, resolved against the tree */
function importsOf(file: string): Edge[] {
  const text = readFileSync(path.join(root, file), 'utf8');
  const edges: Edge[] = [];
  for (const m of text.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"](\.{1,2}\/[^'"]+)['"]/gm)) {
    edges.push({ from: file, to: path.relative(root, path.resolve(path.dirname(path.join(root, file)), m[1]!)) });
  }
  return edges;
}

const roomOf = (file: string): Room | undefined => ROOMS.find((r) => file === r || file.startsWith(`${r}/`));

describe('rooms: the import graph follows the architecture', () => {
  const edges = ROOMS.flatMap((room) => sourceFiles(room)).flatMap(importsOf);

  it('reads the import graph (the check sees real edges)', () => {
    expect(edges.length).to.be.greaterThan(500);
    expect(edges).to.deep.include({ from: 'workers/host.ts', to: 'shared/runtime/context.js' });
    expect(edges.some((e) => e.from.startsWith('api/') && e.to.startsWith('shared/'))).to.equal(true);
  });

  it('no room imports a room it must not', () => {
    const bad = edges
      .filter((e) => {
        const a = roomOf(e.from);
        const b = roomOf(e.to);
        return a !== undefined && b !== undefined && FORBIDDEN[a].includes(b);
      })
      .map((e) => `${e.from} -> ${e.to}`);
    expect(bad, bad.join('\n')).to.deep.equal([]);
  });

  it('bench/ uses test/ only through test/support/ and test/fixtures/', () => {
    const bad = edges
      .filter((e) => e.from.startsWith('bench/') && e.to.startsWith('test/') && !BENCH_MAY_USE.some((p) => e.to.startsWith(p)))
      .map((e) => `${e.from} -> ${e.to}`);
    expect(bad, bad.join('\n')).to.deep.equal([]);
  });
});
