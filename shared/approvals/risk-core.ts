import path from 'node:path';
import { maxRisk, type RiskLevel } from './approval-request.js';

/**
 * What every risk rule shares (risk.ts for tool uses and requests, bash-risk.ts for shell
 * commands): an assessment, the linear-time tally that combines them, and where a path
 * lands relative to the agent's workdir.
 */
export interface RiskAssessment {
  level: RiskLevel;
  /** short human reasons, riskiest first */
  reasons: string[];
}

const MAX_REASONS = 10;
/** One empty list for all the commands that have nothing of a kind: fewer objects to collect. */
export const NONE: readonly never[] = Object.freeze([]);
export const assess = (level: RiskLevel, reason: string): RiskAssessment => ({ level, reasons: [reason] });

/** Collects assessments in linear time: the riskiest level, and the first distinct reasons of each level. */
export class Tally {
  private top: RiskLevel | undefined;
  private order = 0;
  private readonly kept = new Map<RiskLevel, { reasons: string[]; order: number[] }>();

  add(a: RiskAssessment): void {
    for (const r of a.reasons) this.note(a.level, r);
  }

  note(level: RiskLevel, reason: string): void {
    this.top = this.top ? maxRisk(this.top, level) : level;
    let kept = this.kept.get(level);
    if (!kept) this.kept.set(level, (kept = { reasons: [], order: [] }));
    if (kept.reasons.length >= MAX_REASONS || kept.reasons.includes(reason)) return;
    kept.reasons.push(reason);
    kept.order.push(this.order++);
  }

  /** The riskiest level; its reasons first, then the others in the order they came. */
  result(): RiskAssessment {
    const top = this.top;
    if (!top) return assess('low', 'nothing to run');
    const others = [...this.kept]
      .filter(([level]) => level !== top)
      .flatMap(([, k]) => k.reasons.map((reason, j) => ({ reason, order: k.order[j] as number })))
      .sort((a, b) => a.order - b.order)
      .map((x) => x.reason);
    const reasons = [...new Set([...(this.kept.get(top)?.reasons ?? []), ...others])];
    return { level: top, reasons: reasons.slice(0, MAX_REASONS) };
  }
}

/** Combines assessments: the riskiest level, its reasons first. */
export function combine(parts: readonly RiskAssessment[]): RiskAssessment {
  const tally = new Tally();
  for (const p of parts) tally.add(p);
  return tally.result();
}

/** True when `target` (absolute, or relative to `base`) is `base` or inside it. */
export function isInside(base: string, target: string): boolean {
  const rel = path.relative(path.resolve(base), path.resolve(base, target));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** `~`, `$HOME` and `${HOME}` name a home folder, which is never the workdir. */
export function expandHome(target: string): string {
  for (const home of ['$HOME', '${HOME}']) if (target === home || target.startsWith(`${home}/`)) return `/nonexistent-home${target.slice(home.length)}`;
  return target.startsWith('~') ? `/nonexistent-home${target.slice(1)}` : target;
}

/**
 * Whether `target` lands inside the workdir or an extra dir. Resolved as text against the
 * workdir (`..` climbs out, `~` is elsewhere); a link inside the workdir that points out of
 * it cannot be seen without the filesystem, and these are pure functions.
 */
export function insideRoots(target: string, workdir: string, addDirs: readonly string[]): boolean {
  const resolved = path.resolve(workdir, expandHome(target));
  return [workdir, ...addDirs].some((r) => isInside(r, resolved));
}

/** Where a path lands: inside the workdir / extra dirs, outside them, or unknown (no workdir). */
export function pathRisk(target: string, workdir: string | undefined, addDirs: readonly string[] = []): RiskAssessment {
  if (!workdir) return assess('high', `writes ${clip(target)} and the agent's workdir is unknown`);
  if (insideRoots(target, workdir, addDirs)) return assess('medium', `edits ${clip(target)} inside the agent's workdir`);
  return assess('critical', `writes ${clip(target)} outside the agent's workdir`);
}

export function clip(s: string, max = 120): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}
