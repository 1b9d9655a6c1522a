import { expect } from 'chai';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOGUE, ERROR_CODE, isErrorCode, type ErrorEntry } from '../../shared/errors/codes.js';

/**
 * The catalogue of error codes (shared/errors/codes.ts) is the one list: docs/API.md's
 * table is the catalogue row for row, every code a doc names is in it, and no source file
 * of api/ workers/ shared/ bin/ writes a code itself (ERROR_CODE.<name> instead).
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (rel: string): string => readFileSync(path.join(root, rel), 'utf8');
const entries: ErrorEntry[] = Object.values(ERROR_CATALOGUE);

/** `nox:<code>`, not the `urn:nox:problem:` prefix of a problem's type */
const CODE_IN_TEXT = /(?<![\w:])nox:[a-z][a-z-]*/g;

const TABLE_HEADER = '| status | code | when |';

function catalogueTable(): string[] {
  return [TABLE_HEADER, '| --- | --- | --- |', ...entries.map((e) => `| ${e.status ?? '—'} | \`${e.code}\` | ${e.meaning} |`)];
}

/** the table under docs/API.md's TABLE_HEADER, up to the first line that is not a row */
function docTable(text: string): string[] {
  const lines = text.split('\n');
  const start = lines.indexOf(TABLE_HEADER);
  if (start < 0) return [];
  const end = lines.findIndex((l, i) => i > start && !l.startsWith('|'));
  return lines.slice(start, end < 0 ? undefined : end);
}

function sourceFiles(dir: string): string[] {
  return readdirSync(path.join(root, dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.ts'))
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)));
}

describe('the error catalogue', () => {
  it('gives each code once, as nox:<kebab-case>, with a one-line meaning', () => {
    const codes = entries.map((e) => e.code);
    expect(new Set(codes).size, 'a code listed twice').to.equal(codes.length);
    for (const e of entries) {
      expect(e.code).to.match(/^nox:[a-z]+(-[a-z]+)*$/);
      expect(e.meaning, e.code).to.match(/^[^|\n]+$/);
      expect(isErrorCode(e.code)).to.equal(true);
    }
    expect(ERROR_CODE.agentNotFound).to.equal('nox:agent-not-found');
  });

  it('is docs/API.md’s table of codes, row for row', () => {
    const expected = catalogueTable();
    const actual = docTable(read('docs/API.md'));
    expect(actual, `docs/API.md's table of codes differs from shared/errors/codes.ts; the table to paste:\n\n${expected.join('\n')}\n`).to.deep.equal(expected);
  });

  it('has every code any doc names', () => {
    const docs = ['README.md', ...readdirSync(path.join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
    const unknown = docs.flatMap((doc) => [...read(doc).matchAll(CODE_IN_TEXT)].map((m) => m[0]).filter((code) => !isErrorCode(code)).map((code) => `${doc}: ${code}`));
    expect(unknown, 'codes named in the docs that the catalogue does not have').to.deep.equal([]);
  });

  it('is the only place api/, workers/, shared/ and bin/ write a code', () => {
    const inline = ['api', 'workers', 'shared', 'bin']
      .flatMap(sourceFiles)
      .filter((file) => file !== path.join('shared', 'errors', 'codes.ts'))
      .flatMap((file) =>
        read(file)
          .split('\n')
          .flatMap((line, i) => (line.match(CODE_IN_TEXT) ? [`${file}:${i + 1}: ${line.trim()}`] : []))
      );
    expect(inline, 'name codes with ERROR_CODE.<name> (shared/errors/codes.ts)').to.deep.equal([]);
  });
});
