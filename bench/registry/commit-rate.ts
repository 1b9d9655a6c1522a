/**
 * Registry commit rate: single changes (one commit each) and batched appends (one commit
 * per flush), against a baseline measured in the same run on the same disk — raw
 * `git add` + `git commit` of the same kind of change, by execFile, with nothing else.
 * Usage: npm run bench -- registry [count]   (default 300 single changes, 5000 appends)
 *    or: node --import tsx bench/registry/commit-rate.ts [count]
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { files, utcDate } from '../../shared/registry/layout.js';
import { startRegistry } from '../../test/support/registry-fixture.js';
import { line, summarize, timeEach } from '../support/stats.js';

const rate = (n: number, ms: number): string => `${((n * 1000) / ms).toFixed(1)}/s`;

export async function run(args: string[]): Promise<void> {
  const n = Number(args[0] ?? 300);
  const appends = Number(args[1] ?? 5000);

  // Baseline: raw git, the same change (rewrite one small TOML file), one commit each.
  const raw = mkdtempSync(path.join(tmpdir(), 'nox-bench-git-'));
  const git = (...a: string[]): void => void execFileSync('git', a, { cwd: raw, stdio: 'ignore' });
  git('init', '-q');
  git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '--allow-empty', '-m', 'init');
  const rawStart = performance.now();
  const rawSamples = await timeEach(n, async (i) => {
    writeFileSync(path.join(raw, 'agents.toml'), `[agents.a1]\nmodel = "m${i}"\n`);
    git('add', '-A', '--', 'agents.toml');
    git('-c', 'user.name=b', '-c', 'user.email=b@b', 'commit', '-q', '-m', `set model ${i}`, '--', 'agents.toml');
  });
  const rawMs = performance.now() - rawStart;
  rmSync(raw, { recursive: true, force: true });

  const reg = await startRegistry({ overrides: { 'registry.flush_interval_ms': 60_000, 'registry.flush_max_entries': 500 }, writer: { watchTasks: false } });
  try {
    const change = (i: number) => ({ message: `set model ${i}`, changes: [{ op: 'set' as const, file: files.agents(), key: ['agents', 'a1', 'model'], value: `m${i}` }] });

    // Single changes, one after another: the latency a caller of change() sees.
    const seqStart = performance.now();
    const seqSamples = await timeEach(n, (i) => reg.client.change(change(i), 'system'));
    const seqMs = performance.now() - seqStart;

    // Single changes, all submitted at once: the writer's throughput (group commits: the
    // changes waiting together share a commit).
    const commitsBefore = Number(reg.git('rev-list', '--count', 'HEAD'));
    const burstStart = performance.now();
    let last = '';
    for (let i = 0; i < n; i++) last = await reg.client.submit(change(n + i), 'system');
    const job = await reg.clientCtx.queue('registry').getJob(last);
    const qe = (await import('../../shared/queues/queue-factory.js')).createQueueEvents('registry', reg.clientCtx.connect('blocking', 'bench'), reg.clientCtx.keys, reg.clientCtx.logger);
    await job!.waitUntilFinished(qe, 600_000);
    await qe.close();
    const burstMs = performance.now() - burstStart;
    const burstCommits = Number(reg.git('rev-list', '--count', 'HEAD')) - commitsBefore;

    // Batched appends: conversation lines, committed `flush_max_entries` at a time.
    const before = Number(reg.git('rev-list', '--count', 'HEAD'));
    const appStart = performance.now();
    for (let i = 0; i < appends; i++) await reg.client.append({ target: 'conversation', agentId: `a${i % 4}`, entry: { role: 'assistant', text: `line ${i}` } });
    await reg.client.flush({ timeoutMs: 600_000 });
    const appMs = performance.now() - appStart;
    const batchCommits = Number(reg.git('rev-list', '--count', 'HEAD')) - before;
    const stored = [0, 1, 2, 3].reduce((k, a) => k + reg.client.read.conversation(`a${a}`, utcDate()).length, 0);

    const out = (s: string): void => void process.stdout.write(`${s}\n`);
    out(`registry commit rate, ${n} changes, ${appends} appends, registry ${reg.dir}`);
    out(`${line('raw git add+commit (baseline)', summarize(rawSamples))}  ${rate(n, rawMs)}`);
    out(`${line('nox change() sequential', summarize(seqSamples))}  ${rate(n, seqMs)}`);
    out(`${'nox submit() burst → writer'.padEnd(34)} ${n} changes in ${burstMs.toFixed(0)} ms, ${burstCommits} commit(s)  ${rate(n, burstMs)}`);
    out(`${'nox append() batched'.padEnd(34)} ${appends} lines in ${batchCommits} commit(s), ${appMs.toFixed(0)} ms  ${rate(appends, appMs)} lines (stored ${stored})`);
    out(
      `ratio: writer burst ${(rawMs / burstMs).toFixed(2)}x raw git commits/s (changes/s); change() p50 ${(summarize(seqSamples).p50 / summarize(rawSamples).p50).toFixed(2)}x raw git latency; ` +
        `batched appends ${((appends * 1000) / appMs / ((n * 1000) / rawMs)).toFixed(1)}x raw git lines/s`,
    );
  } finally {
    await reg.cleanup();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  process.env.LOG_LEVEL ??= 'silent';
  run(process.argv.slice(2)).then(
    () => process.exit(0),
    (err: unknown) => {
      process.stderr.write(`${(err as Error).stack ?? err}\n`);
      process.exit(1);
    },
  );
}
