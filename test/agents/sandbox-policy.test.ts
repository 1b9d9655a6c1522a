import { expect } from 'chai';
import { mkdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { newAgentConfig } from '../../shared/agents/agent-config.js';
import type { NoxConfig } from '../../shared/config/schema.js';
import { agentConfigDir, agentRunDir, agentWorkdir, workspaceRoot } from '../../workers/agents/claude-cli/command-line.js';
import { addressGuard } from '../../workers/agents/sandbox/address-guard.js';
import { planNetwork } from '../../workers/agents/sandbox/network-plan.js';
import { sandboxPolicy } from '../../workers/agents/sandbox/sandbox-policy.js';
import { testConfig } from '../support/harness.js';

/** The sandbox's decisions, without running it: its network plan, the paths it refuses, the addresses its proxy refuses. */
describe('agent sandbox policy (pure parts)', () => {
  const runDir = '/srv/nox/.nox-registry/.runtime/agents/a1/run';

  it('a loopback API keeps its URL; an http model is forwarded and rewritten; https goes through the proxy', () => {
    const plan = planNetwork({ apiUrl: 'http://127.0.0.1:3000', modelUrl: 'http://model.internal:8080/v1', providerUrls: [], networkAllow: ['github.com:443'], runDir });
    expect(plan.apiUrl).to.equal('http://127.0.0.1:3000');
    expect(plan.env.ANTHROPIC_BASE_URL).to.equal('http://127.0.0.1:8080/v1');
    expect(plan.endpoints.map((e) => [e.name, e.insidePort])).to.deep.equal([['api', 3000], ['model', 8080], ['proxy', 3128]]);
    expect(plan.env.HTTPS_PROXY).to.equal('http://127.0.0.1:3128');
    const https = planNetwork({ apiUrl: 'http://nox.internal:80', modelUrl: undefined, providerUrls: [], networkAllow: [], runDir });
    expect(https.apiUrl, 'a port under 1024 cannot be bound inside: another one').to.equal('http://127.0.0.1:20000');
    const proxy = https.endpoints.find((e) => e.kind === 'proxy');
    expect(proxy && proxy.kind === 'proxy' && proxy.allow).to.deep.equal([{ host: 'api.anthropic.com', port: 443 }]);
    expect(https.env.ANTHROPIC_BASE_URL, 'https is reached by name, through the proxy').to.equal(undefined);
  });

  it('refuses an https API URL and a socket path socat or the kernel cannot take', () => {
    expect(() => planNetwork({ apiUrl: 'https://nox.example', modelUrl: undefined, providerUrls: [], networkAllow: [], runDir })).to.throw(/must be http:\/\//);
    expect(() => planNetwork({ apiUrl: 'http://127.0.0.1:3000', modelUrl: undefined, providerUrls: [], networkAllow: [], runDir: '/srv/a,b/run' })).to.throw(/socat cannot take/);
    expect(() => planNetwork({ apiUrl: 'http://127.0.0.1:3000', modelUrl: undefined, providerUrls: [], networkAllow: [], runDir: `/srv/${'x'.repeat(100)}` })).to.throw(/longer than a unix socket path/);
  });

  it('the proxy refuses metadata, link-local, unforwarded loopback and Redis, whatever the allowlist', async () => {
    const guard = await addressGuard({ forwardedLoopbackPorts: [3000], services: [{ host: '10.0.0.5', port: 6379 }] });
    expect(guard.refusal('169.254.169.254', 80)).to.match(/link-local/);
    expect(guard.refusal('::ffff:169.254.169.254', 80)).to.match(/link-local/);
    expect(guard.refusal('fd00:ec2::254', 80)).to.match(/metadata/);
    expect(guard.refusal('0.0.0.0', 6379)).to.match(/never reachable/);
    expect(guard.refusal('127.0.0.1', 6379)).to.match(/loopback port the sandbox does not forward/);
    expect(guard.refusal('127.0.0.1', 3000)).to.equal(undefined);
    expect(guard.refusal('10.0.0.5', 6379)).to.match(/Redis or the container engine/);
    expect(guard.refusal('140.82.112.3', 443)).to.equal(undefined);
  });

  describe('paths', () => {
    let config: NoxConfig;
    const folders = (id: string, workdir?: string) => ({ workdir: agentWorkdir(config, { id, workdir }), configDir: agentConfigDir(config, id), runDir: agentRunDir(config, id) });
    const policy = (id: string, agent: Record<string, unknown>, cfg = config) =>
      sandboxPolicy({ config: cfg, agent: newAgentConfig({ id, ...agent }), folders: folders(id, agent.workdir as string | undefined), program: process.execPath, socat: '/usr/bin/socat', hostEnv: {}, apiUrl: 'http://127.0.0.1:3000' });
    before(() => {
      config = testConfig();
      mkdirSync(workspaceRoot(config), { recursive: true });
    });
    after(() => rmSync(config.registryDir, { recursive: true, force: true }));

    it('binds its own folders writable and the system read-only, at the same paths; never the project or the registry', () => {
      const { mounts } = policy('p1', {});
      const rw = mounts.filter((m) => m.kind === 'rw').map((m) => (m as { dest: string }).dest);
      expect(rw).to.deep.equal([agentWorkdir(config, { id: 'p1' }), agentConfigDir(config, 'p1'), agentRunDir(config, 'p1')]);
      const ro = mounts.filter((m) => m.kind === 'ro').map((m) => (m as { dest: string }).dest);
      expect(ro).to.include('/usr').and.include('/etc/ld.so.cache').and.not.include('/etc');
      expect(ro.some((p) => p.endsWith('/node_modules'))).to.equal(true);
      expect(ro, 'not the project folder itself').to.not.include(path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..'));
      expect([...ro, ...rw].some((p) => p === config.registryDir)).to.equal(false);
    });

    it('refuses a workdir or add_dir that would show the registry, the secrets, other agents, the system or home', () => {
      const refused: [string, Record<string, unknown>, RegExp][] = [
        ['r1', { workdir: '/' }, /whole filesystem/],
        ['r2', { workdir: config.registryDir }, /registry folder/],
        // (when Nox itself is installed under the same parent — CI clones into /tmp — that rule may speak first)
        ['r3', { workdir: path.dirname(config.registryDir) }, /holds the registry folder|overlaps the Nox install/],
        // (the test harness keeps the workspace root in the registry's .runtime/: either reason)
        ['r4', { workdir: workspaceRoot(config) }, /holds every agent's folder|inside the registry folder/],
        ['r5', { workdir: path.join(workspaceRoot(config), 'someone-else') }, /another agent's folder|inside the registry folder/],
        ['r6', { add_dirs: ['/etc'] }, /system folder \/etc/],
        ['r7', { add_dirs: [os.homedir()] }, /system folder|home folder/],
        ['r8', { workdir: '/usr/local/src' }, /system folder \/usr/],
      ];
      for (const [id, agent, why] of refused) expect(() => policy(id, agent), JSON.stringify(agent)).to.throw(why);
      expect(() => policy('ok-1', { workdir: path.join(workspaceRoot(config), 'ok-1', 'repo') })).to.not.throw();
      // with the workspace root outside the registry (the default layout), its own rule speaks
      const root = path.join(config.registryDir, '..', `${path.basename(config.registryDir)}-work`);
      const outside = testConfig({ registryDir: config.registryDir, overrides: { 'agent.workspace_root': root } });
      try {
        expect(() => policy('w1', { workdir: root }, outside)).to.throw(/holds every agent's folder/);
        expect(() => policy('w2', { workdir: path.join(root, 'w3') }, outside)).to.throw(/another agent's folder/);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
      const reading = testConfig({ registryDir: config.registryDir, overrides: { 'agent.sandbox_read': [config.registryDir] } });
      expect(() => policy('ok-2', {}, reading)).to.throw(/agent.sandbox_read .* registry folder/);
    });
  });
});
