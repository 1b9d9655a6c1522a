import { expect } from 'chai';
import { projectsSection } from '../../shared/config/projects-section.js';
import { mergeRisk } from '../../shared/projects/merge-risk.js';

describe('a merge’s risk from its size and paths', () => {
  const settings = projectsSection.parse({});
  const file = (path: string, additions: number, deletions = 0) => ({ path, status: 'M', additions, deletions });

  it('is medium for a small change of ordinary files', () => {
    expect(mergeRisk([file('src/app.ts', 10, 3), file('README.md', 2)], settings)).to.deep.equal({ level: 'medium', reasons: ['2 file(s), 15 changed lines'] });
  });

  it('is high at the size threshold, or for CI, git settings, manifests and lock files', () => {
    expect(mergeRisk([file('src/big.ts', 400, 100)], settings).level).to.equal('high');
    expect(mergeRisk([file('src/big.ts', 400, 99)], settings).level).to.equal('medium');
    for (const p of ['.github/workflows/ci.yml', 'package.json', 'web/package.json', 'yarn.lock', '.gitattributes', 'Dockerfile']) {
      const risk = mergeRisk([file(p, 1)], settings);
      expect(risk.level, p).to.equal('high');
      expect(risk.reasons.join(' '), p).to.contain(p);
    }
  });

  it('follows the configured paths and threshold', () => {
    const strict = projectsSection.parse({ merge_high_risk_lines: 5, merge_high_risk_paths: ['^infra/'] });
    expect(mergeRisk([file('infra/main.tf', 1)], strict).level).to.equal('high');
    expect(mergeRisk([file('package.json', 1)], strict).level).to.equal('medium');
    expect(mergeRisk([file('a.ts', 5)], strict).level).to.equal('high');
  });
});
