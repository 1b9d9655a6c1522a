import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRIC } from '../../shared/metrics/catalogue.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** docs/OBSERVABILITY.md's metrics table, as the catalogue writes it */
function expectedRows(): string[] {
  return Object.values(METRIC).map((m) => `| \`${m.name}\` | ${m.kind} | ${m.labels.length ? m.labels.map((l) => `\`${l}\``).join(', ') : '—'} | ${m.where} | ${m.help} |`);
}

describe('metrics: the catalogue and its documentation', () => {
  it("docs/OBSERVABILITY.md lists every metric of shared/metrics/catalogue.ts, row for row", () => {
    const doc = readFileSync(path.join(ROOT, 'docs/OBSERVABILITY.md'), 'utf8');
    const rows = doc.split('\n').filter((l) => /^\| `nox_[a-z_]+` \|/.test(l));
    expect(rows, `paste this table:\n${expectedRows().join('\n')}`).to.deep.equal(expectedRows());
  });

  it("every metric's name follows Prometheus's conventions (prefix, unit and _total suffixes)", () => {
    for (const m of Object.values(METRIC)) {
      expect(m.name, m.name).to.match(/^nox_[a-z][a-z0-9_]*$/);
      if (m.kind === 'counter') expect(m.name, m.name).to.match(/_total$/);
      else expect(m.name, m.name).to.not.match(/_total$/);
      if (m.kind === 'histogram') expect(m.name, m.name).to.match(/_seconds$/);
    }
    const names = Object.values(METRIC).map((m) => m.name);
    expect(new Set(names).size).to.equal(names.length);
  });

  it('the Grafana dashboard in docs/ queries only metrics Nox exports', () => {
    const dashboard = JSON.parse(readFileSync(path.join(ROOT, 'docs/grafana/nox-dashboard.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };
    const known = new Set(Object.values(METRIC).flatMap((m) => (m.kind === 'histogram' ? [`${m.name}_bucket`, `${m.name}_sum`, `${m.name}_count`] : [m.name])));
    const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).to.be.greaterThan(8);
    for (const expr of exprs) {
      const used = expr.match(/\bnox_[a-z0-9_]+/g) ?? [];
      expect(used.length, expr).to.be.greaterThan(0);
      for (const name of used) expect(known.has(name) || /^nox_(process|nodejs)_/.test(name), `${name} in ${expr}`).to.equal(true);
    }
  });
});
