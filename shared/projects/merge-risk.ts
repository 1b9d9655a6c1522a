import type { RiskLevel } from '../approvals/approval-request.js';
import type { ChangedFile } from './branch-changes.js';

/**
 * A merge's risk, for its approval (docs/WORKTREES.md): high when it changes at least
 * `projects.merge_high_risk_lines` lines or touches a path matching
 * `projects.merge_high_risk_paths` (CI, git settings, manifests, lock files...), else medium.
 */
export function mergeRisk(files: readonly ChangedFile[], settings: { merge_high_risk_lines: number; merge_high_risk_paths: readonly string[] }): { level: RiskLevel; reasons: string[] } {
  const lines = files.reduce((n, f) => n + f.additions + f.deletions, 0);
  const patterns = settings.merge_high_risk_paths.map((p) => new RegExp(p));
  const risky = files.filter((f) => patterns.some((re) => re.test(f.path))).map((f) => f.path);
  const reasons: string[] = [];
  if (lines >= settings.merge_high_risk_lines) reasons.push(`${lines} changed lines (at least ${settings.merge_high_risk_lines})`);
  if (risky.length > 0) reasons.push(`touches ${risky.slice(0, 10).join(', ')}${risky.length > 10 ? ', …' : ''}`);
  if (reasons.length > 0) return { level: 'high', reasons };
  return { level: 'medium', reasons: [`${files.length} file(s), ${lines} changed lines`] };
}
