/**
 * The raw-git baseline of the fleet bench: one `git add` + `git commit` per created agent,
 * of an agents.toml as large as Nox's (the whole file rewritten, one table more each time),
 * by execFile in a temp repository with nothing else. This is what one commit per create
 * costs on this disk at this size — the rate a writer without group commits cannot beat.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fleetAgentToml } from './fleet-agents.js';

export interface GitBaseline {
  commits: number;
  perSecond: number;
  fileBytes: number;
  samples: number[];
}

export function rawGitCommits(agents: number, commits: number): GitBaseline {
  const dir = mkdtempSync(path.join(tmpdir(), 'nox-bench-fleet-git-'));
  const git = (...a: string[]): void => void execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...a], { cwd: dir, stdio: 'ignore' });
  try {
    git('init', '-q');
    let text = '';
    for (let i = 0; i < agents; i++) text += `${fleetAgentToml(i)}\n`;
    writeFileSync(path.join(dir, 'agents.toml'), text);
    git('add', '-A');
    git('commit', '-q', '-m', 'seed');
    const samples: number[] = [];
    const start = performance.now();
    for (let k = 0; k < commits; k++) {
      const t0 = performance.now();
      text += `${fleetAgentToml(agents + k)}\n`;
      writeFileSync(path.join(dir, 'agents.toml'), text);
      git('add', '-A', '--', 'agents.toml');
      git('commit', '-q', '-m', `create agent ${agents + k}`, '--', 'agents.toml');
      samples.push(performance.now() - t0);
    }
    return { commits, perSecond: (commits * 1000) / (performance.now() - start), fileBytes: Buffer.byteLength(text), samples };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
