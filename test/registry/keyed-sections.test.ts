import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parse, stringify } from 'smol-toml';
import { RegistryFileInvalidError } from '../../shared/errors/registry-errors.js';
import { parseKeyedToml } from '../../shared/registry/keyed-toml.js';
import { files } from '../../shared/registry/layout.js';
import { createRegistryReader } from '../../shared/registry/registry-reader.js';

/**
 * agents.toml read by sections (shared/registry/keyed-toml.ts): either the same document
 * as parsing the whole text, or undefined (the caller then parses the whole text) — never a
 * different one; unchanged sections are reused, not parsed again.
 */
describe('registry: keyed files read by sections', () => {
  const agent = (i: number): Record<string, unknown> => ({ id: `a${i}`, model: 'sonnet', labels: { team: `t${i}` }, tools: ['Read', 'Write'], limits: { max: i } });
  const written = (n: number): string => stringify({ agents: Object.fromEntries(Array.from({ length: n }, (_, i) => [`a${i}`, agent(i)])) });
  const plain = (v: unknown): unknown => JSON.parse(JSON.stringify(v));

  /** the property: sections give the whole-text document or nothing */
  const sameOrNothing = (text: string): 'same' | 'nothing' => {
    const keyed = parseKeyedToml(text, 'agents');
    if (!keyed) return 'nothing';
    expect(plain(keyed.doc)).to.deep.equal(plain(parse(text)));
    return 'same';
  };

  it('reads what the writer writes, and hand-made layouts, as the whole-text parse does', () => {
    expect(sameOrNothing(written(50))).to.equal('same');
    expect(sameOrNothing('')).to.equal('same');
    expect(sameOrNothing(`# agents of the team\ntitle = "x"\n\n[other]\nk = 1\n\n${written(3)}`)).to.equal('same');
    expect(sameOrNothing('[agents.a1]\nmodel = "x" # a comment\n\n# about a2\n[agents.a2] # trailing\nmodel = "y"\n[agents.a2.env]\nA = "1"\n[[agents.a2.hooks]]\nrun = "z"\n')).to.equal('same');
    expect(sameOrNothing('[agents.a1]\nmodel = "x"')).to.equal('same'); // no final newline
  });

  it('refuses a split it cannot prove: header-like lines in strings and arrays, tables it does not own, duplicates', () => {
    const cases = [
      '[agents.a1]\nprompt = """\n[agents.a2]\nmodel = "inside a string"\n"""\n',
      "[agents.a1]\nprompt = '''\n[agents.a2]\n'''\n",
      '[agents.a1]\nlist = [\n[agents.a2]\n]\n',
      '[agents]\nversion = 2\n[agents.a1]\nmodel = "x"\n',
      '[agents.a1]\nmodel = "x"\n[agents]\nversion = 2\n',
      '[agents.a1]\nmodel = "x"\n[other]\nk = 1\n',
      '[agents.a1]\nmodel = "x"\n[agents.a2]\nmodel = "y"\n[agents.a1.env]\nA = "1"\n',
      '[agents."a1"]\nmodel = "x"\n[agents.a2]\nmodel = "y"\n',
      'agents.a0 = { model = "x" }\n[agents.a1]\nmodel = "y"\n',
    ];
    for (const text of cases) {
      let whole: unknown;
      try {
        whole = parse(text);
      } catch {
        whole = undefined;
      }
      const keyed = parseKeyedToml(text, 'agents');
      if (keyed) expect(plain(keyed.doc), text).to.deep.equal(plain(whole));
    }
    // these cannot be read by sections at all
    expect(parseKeyedToml(cases[0]!, 'agents')).to.equal(undefined);
    expect(parseKeyedToml('[agents.a1]\nmodel = "x"\n[agents.a1]\nmodel = "y"\n', 'agents')).to.equal(undefined);
    expect(parseKeyedToml('[agents.A_1]\nmodel = "x"\n', 'agents'), 'an id the schema refuses').to.equal(undefined);
  });

  it('parses only the sections whose text changed', () => {
    const first = parseKeyedToml(written(20), 'agents')!;
    const changed = written(20).replace('[agents.a7.limits]\nmax = 7', '[agents.a7.limits]\nmax = 70') + '\n[agents.a20]\nmodel = "new"\n';
    const second = parseKeyedToml(changed, 'agents', first)!;
    const before = first.doc.agents as Record<string, unknown>;
    const after = second.doc.agents as Record<string, unknown>;
    expect(Object.keys(after)).to.have.length(21);
    expect(after.a3).to.equal(before.a3); // the same frozen object: not parsed again
    expect(after.a7).to.not.equal(before.a7);
    expect((after.a7 as { limits: { max: number } }).limits.max).to.equal(70);
    expect(Object.isFrozen(after.a20)).to.equal(true);
  });

  it('a broken keyed file still names its file and line (the whole-text parse reports it)', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'nox-keyed-'));
    try {
      const reader = createRegistryReader(dir);
      writeFileSync(path.join(dir, 'agents.toml'), written(2));
      expect(Object.keys(reader.toml(files.agents()).agents as object)).to.deep.equal(['a0', 'a1']);
      writeFileSync(path.join(dir, 'agents.toml'), `${written(2)}\n[agents.Bad_Id]\nmodel = "x"\n`);
      let err: unknown;
      try {
        reader.toml(files.agents());
      } catch (e) {
        err = e;
      }
      expect(err).to.be.instanceOf(RegistryFileInvalidError);
      expect((err as RegistryFileInvalidError).line).to.be.a('number');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
