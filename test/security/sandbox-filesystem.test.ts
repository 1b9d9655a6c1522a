import { expect } from 'chai';
import { existsSync, rmSync } from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { agentRunDir, agentWorkdir } from '../../workers/agents/claude-cli/command-line.js';
import { startProbeStack, type Mode, type ProbeStack } from './support/probe-stack.js';

/**
 * Filesystem containment (issue 14, items 1 and 7): a sandboxed agent cannot read the
 * registry's config, the secrets file, another agent's token file or the worker's
 * /proc/<pid>/environ, and cannot write outside its own folders — and the same probe,
 * unsandboxed, can do every one of those things (so it is the sandbox that stops it).
 */
describe('sandbox: an agent reads and writes its own folders only', function () {
  this.timeout(90_000);
  let p: ProbeStack;
  const hostTmp = `/tmp/nox-escape-${randomBytes(4).toString('hex')}.txt`;

  before(async () => {
    p = await startProbeStack();
    // another agent, whose token file and workdir the probes go after
    await p.startAgent('victim', 'on');
  });
  after(async () => {
    await p?.cleanup();
    rmSync(hostTmp, { force: true });
  });

  const targets = () => {
    const { config } = p.stack;
    return {
      systemConfig: path.join(config.registryDir, 'system-config.toml'),
      secrets: config.secretsFile,
      otherToken: path.join(agentRunDir(config, 'victim'), 'nox-token'),
      workerEnviron: `/proc/${process.pid}/environ`,
      intoRegistry: path.join(config.registryDir, 'escaped.txt'),
      intoOtherWorkdir: path.join(agentWorkdir(config, { id: 'victim' }), 'escaped.txt'),
    };
  };

  const run = async (mode: Mode) => {
    const id = `fs-${mode}`;
    await p.startAgent(id, mode);
    const t = targets();
    const writes = [t.intoRegistry, t.intoOtherWorkdir, hostTmp];
    for (const w of writes) rmSync(w, { force: true });
    const report = await p.probe(id, { read: [t.systemConfig, t.secrets, t.otherToken, t.workerEnviron], write: writes });
    const landed = writes.filter((w) => existsSync(w));
    for (const w of writes) rmSync(w, { force: true });
    return { report, t, landed, workdirFile: path.join(agentWorkdir(p.stack.config, { id }), 'probe-ok.txt') };
  };

  it('unsandboxed (agent.sandbox = "off"), the probe reads and writes all of it — the probes work', async () => {
    const { report, t, landed, workdirFile } = await run('off');
    for (const file of [t.systemConfig, t.secrets, t.otherToken, t.workerEnviron]) expect(report.read[file]?.ok, `read ${file}: ${JSON.stringify(report.read[file])}`).to.equal(true);
    expect(report.read[t.secrets]?.sample).to.include('the-escape-probe-must-not-read-this');
    expect(landed, 'files written outside the workdir').to.have.length(3);
    expect(report.workdir.ok && existsSync(workdirFile)).to.equal(true);
  });

  it('sandboxed, every read fails and nothing lands outside its folders; its own workdir is writable', async () => {
    const { report, t, landed, workdirFile } = await run('on');
    for (const file of [t.systemConfig, t.secrets, t.otherToken, t.workerEnviron]) {
      expect(report.read[file]?.ok, `read ${file}: ${JSON.stringify(report.read[file])}`).to.equal(false);
    }
    // /tmp inside is the sandbox's own tmpfs: a write there succeeds and reaches nothing
    expect(landed, 'files that reached the host outside the workdir').to.deep.equal([]);
    expect(report.workdir.ok, JSON.stringify(report.workdir)).to.equal(true);
    expect(existsSync(workdirFile), 'the file it wrote in its workdir is on the host').to.equal(true);
  });
});
