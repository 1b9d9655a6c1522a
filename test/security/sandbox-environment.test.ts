import { expect } from 'chai';
import { startProbeStack, type Mode, type ProbeStack } from './support/probe-stack.js';

/**
 * The environment allowlist (issue 14, item 2), sandbox on or off: whatever the worker was
 * started with, an agent gets none of Redis's URL, the engine's address, Nox's secrets or
 * its own token as a variable — only its model credentials, NOX_API_URL, NOX_AGENT_ID, its
 * token file, its config dir and HOME, and `agent.env`.
 */
describe('sandbox: the agent’s environment is an allowlist, sandboxed or not', function () {
  this.timeout(90_000);
  let p: ProbeStack;
  const secrets: Record<string, string> = {
    NOX_JWT_SECRET: 'probe-jwt-secret-probe-jwt-secret-0123456789',
    REDIS_URL: 'redis://:hunter2@127.0.0.1:6379',
    DOCKER_HOST: 'unix:///var/run/docker.sock',
    NOX_SECRET_X: 'an MCP service secret',
    NOX_REDIS_PASSWORD: 'hunter2',
    SOME_WORKER_VARIABLE: 'anything else the worker had',
  };
  const saved: Record<string, string | undefined> = {};

  before(async () => {
    p = await startProbeStack({ 'agent.env': { AGENT_EXTRA: 'named in agent.env' } });
    // in the worker's environment (this process runs the hosts) before the agents start
    for (const [k, v] of Object.entries(secrets)) {
      saved[k] = process.env[k];
      process.env[k] = v;
    }
    process.env.ANTHROPIC_API_KEY = 'sk-ant-probe';
  });
  after(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    delete process.env.ANTHROPIC_API_KEY;
    await p?.cleanup();
  });

  for (const mode of ['off', 'on'] as Mode[]) {
    it(`sandbox ${mode}: no secret of the worker's, only what an agent needs`, async () => {
      const id = `env-${mode}`;
      await p.startAgent(id, mode);
      const report = await p.probe(id, { env: [...Object.keys(secrets), 'NOX_AGENT_TOKEN', 'NOX_TOKEN'] });
      for (const [name, outcome] of Object.entries(report.env)) expect(outcome.ok, `${name} reached the agent`).to.equal(false);
      expect(report.env_names).to.include.members(['PATH', 'HOME', 'CLAUDE_CONFIG_DIR', 'NOX_API_URL', 'NOX_AGENT_ID', 'NOX_AGENT_TOKEN_FILE', 'ANTHROPIC_API_KEY', 'AGENT_EXTRA']);
      const unexpected = report.env_names.filter((n) => !/^(PATH|PWD|HOME|LANG|LC_ALL|TZ|CLAUDE_CONFIG_DIR|NOX_API_URL|NOX_AGENT_ID|NOX_AGENT_TOKEN_FILE|ANTHROPIC_API_KEY|AGENT_EXTRA|HTTPS?_PROXY|https?_proxy|NO_PROXY|no_proxy|SHLVL|_)$/.test(n));
      expect(unexpected, 'variables outside the allowlist').to.deep.equal([]);
      expect(report.api.status, 'its token file works').to.equal(200);
    });
  }
});
