/**
 * Risk classification of Bash commands (shared/approvals/risk.ts): hostile inputs of 16, 64
 * and 256 KB and a mix of ordinary commands, against a baseline measured in the same run on
 * the same text: a plain JavaScript loop over every character code counting the shell's
 * special characters — the least any tokenizer does (`split(' ')` + `includes` was tried
 * first: on text without blanks it is one native scan, 0.4 µs for 16 KB, and says nothing).
 * The point is the shape: a linear classifier keeps about the same µs per KB and the same
 * ratio to the baseline at every size (the backtracking patterns it replaced took 4.6 s at
 * 120 KB), and the default 64 KB cap makes 256 KB cost what 64 KB costs.
 * Shown: the fastest sample (least disturbed by other processes and collections) and the
 * median, over at least `minMs` of samples a row.
 * Usage: npm run bench -- risk [minMs]   (default 300)
 */
import { loadavg } from 'node:os';
import { classifyCommand } from '../../shared/approvals/risk.js';
import { percentile } from '../support/stats.js';

const workdir = '/srv/agents/a1/workspace';
const KB = 1024;

/** Whole `unit`s between `head` and `tail`, padded with blanks to exactly `size` characters. */
function fill(size: number, unit: string, head = '', tail = ''): string {
  const room = size - head.length - tail.length;
  const units = Math.floor(room / unit.length);
  return head + unit.repeat(units) + ' '.repeat(room - units * unit.length) + tail;
}

const SHAPES: Record<string, (size: number) => string> = {
  'rm -r -r … /': (n) => fill(n, '-r ', 'rm ', '/'),
  // the shape that took the old patterns 4.6 s at 120 KB: almost a match, then backtracking
  'rm -r -r … x': (n) => fill(n, '-r ', 'rm ', 'x'),
  'curl curl …': (n) => fill(n, 'curl '),
  'curl a | … | sh': (n) => fill(n, 'curl a | ', '', 'sh'),
  'long quoted string': (n) => fill(n, 'a', 'echo "', '"'),
  'many ;': (n) => fill(n, ';'),
  'ls;ls;…': (n) => fill(n, 'ls;'),
};

const ORDINARY = [
  'ls -la',
  'git status',
  'git diff HEAD~1 -- src/',
  'npm test',
  'npm run build 2>&1 | tail -20',
  'cat package.json | grep version',
  'rm -rf dist && npx tsc -p tsconfig.json',
  'mkdir -p build/out && cp src/a.ts build/out/',
  'find . -name "*.ts" -not -path "./node_modules/*" | xargs wc -l',
  'git add -A && git commit -m "fix: handle empty input"',
  'curl -s https://example.com/health',
  'for f in src/*.ts; do echo "$f"; done',
  'python3 -m pytest tests/ -x -q',
  'echo "$(date) done" >> log.txt',
  'sed -i "s/foo/bar/g" src/config.ts',
  'docker ps --format "{{.Names}}"',
];

const SPECIAL = new Set([..."|&;<>()$`\\\"' \t\n"].map((c) => c.charCodeAt(0)));
function baseline(line: string): number {
  let n = 0;
  for (let i = 0; i < line.length; i++) if (SPECIAL.has(line.charCodeAt(i))) n++;
  return n;
}

/** Fastest and median µs of one call, sampled for at least `minMs` (and 5 calls) after a warm-up. */
function micros(fn: () => unknown, minMs: number): { min: number; p50: number } {
  for (let i = 0; i < 3; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 5 || performance.now() - start < minMs) {
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((a, b) => a - b);
  return { min: samples[0] as number, p50: percentile(samples, 50) };
}

const f = (x: number, w = 10): string => (x >= 100 ? x.toFixed(0) : x.toFixed(1)).padStart(w);

export async function run(args: string[]): Promise<void> {
  const minMs = Number(args[0] ?? 300);
  const out = (line: string): boolean => process.stdout.write(`${line}\n`);
  out(`risk classifier: µs per classification, fastest / median of ≥${minMs} ms of samples a row; load average ${loadavg()[0]?.toFixed(1)}`);
  out(`baseline: a JS loop over every character code of the same text; "full" reads it all (maxBytes: Infinity), "capped" is the default (64 KB)`);
  out(`${'shape'.padEnd(18)}${'size'.padStart(5)}${'capped'.padStart(16)}${'full'.padStart(18)}${'baseline'.padStart(10)}${'full/base'.padStart(11)}${'full/KB'.padStart(9)}  level`);
  for (const [name, make] of Object.entries(SHAPES)) {
    for (const kb of [16, 64, 256]) {
      const line = make(kb * KB);
      const capped = micros(() => classifyCommand(line, workdir), minMs);
      const full = micros(() => classifyCommand(line, workdir, [], { maxBytes: Infinity }), minMs);
      const base = micros(() => baseline(line), minMs);
      const level = classifyCommand(line, workdir, [], { maxBytes: Infinity }).level;
      out(
        `${name.padEnd(18)}${`${kb}K`.padStart(5)}${f(capped.min, 8)}/${f(capped.p50, 7)}${f(full.min, 9)}/${f(full.p50, 8)}` +
          `${f(base.min, 10)}${f(full.min / base.min, 10)}x${f(full.min / kb, 9)}  ${level}`,
      );
    }
  }
  const mix = micros(() => ORDINARY.forEach((c) => classifyCommand(c, workdir)), minMs);
  const mixBase = micros(() => ORDINARY.forEach((c) => baseline(c)), minMs);
  const avg = Math.round(ORDINARY.reduce((n, c) => n + c.length, 0) / ORDINARY.length);
  out(
    `ordinary mix (${ORDINARY.length} commands, ${avg} characters on average): ${(mix.min / ORDINARY.length).toFixed(2)} / ${(mix.p50 / ORDINARY.length).toFixed(2)} µs a command; ` +
      `baseline ${(mixBase.min / ORDINARY.length).toFixed(3)} µs; ratio ${(mix.min / mixBase.min).toFixed(0)}x`,
  );
}
