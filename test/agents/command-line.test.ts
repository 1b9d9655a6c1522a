import { expect } from 'chai';
import path from 'node:path';
import { newAgentConfig } from '../../shared/agents/agent-config.js';
import { buildAgentLaunch } from '../../workers/agents/claude-cli/command-line.js';
import { decidePermission } from '../../workers/agents/permission-policy.js';
import { testConfig } from '../support/harness.js';

describe('agent command line and permission policy', () => {
  const config = testConfig({ overrides: { 'agent.command': 'claude-x', 'agent.args': ['--pre'], 'agent.env': { EXTRA: '1' } } });
  const opts = { sessionId: '11111111-2222-3333-4444-555555555555', tokenFile: '/run/tok', apiUrl: 'http://api' };

  it('builds the stream-json command line: --session-id first, --resume after, every option', () => {
    const agent = newAgentConfig({
      id: 'cl-1',
      system_prompt: 'be good',
      model: 'claude-x-1',
      add_dirs: ['/data'],
      permission_mode: 'acceptEdits',
      allowed_tools: ['Read'],
      disallowed_tools: ['WebFetch', 'Bash(rm:*)'],
      mcp_servers: { nox: { command: 'node', args: ['tools.js'] } },
    });
    const first = buildAgentLaunch(config, agent, { ...opts, resume: false, remainingBudgetUsd: 1.25 });
    expect(first.command).to.equal('claude-x');
    expect(first.args.slice(0, 7)).to.deep.equal(['--pre', '-p', '--input-format', 'stream-json', '--output-format', 'stream-json', '--verbose']);
    const a = first.args;
    const after = (flag: string): string | undefined => a[a.indexOf(flag) + 1];
    expect(after('--session-id')).to.equal(opts.sessionId);
    expect(a).to.not.include('--resume');
    expect(after('--system-prompt')).to.equal('be good');
    expect(JSON.parse(after('--mcp-config')!)).to.deep.equal({ mcpServers: { nox: { command: 'node', args: ['tools.js'] } } });
    expect(a).to.include('--strict-mcp-config');
    expect(after('--permission-prompt-tool')).to.equal('stdio');
    expect(after('--model')).to.equal('claude-x-1');
    expect(after('--add-dir')).to.equal('/data');
    expect(after('--permission-mode')).to.equal('acceptEdits');
    expect(after('--disallowedTools')).to.equal('WebFetch,Bash(rm:*)');
    expect(a, 'allowed tools are granted by Nox, not the CLI').to.not.include('--allowedTools');
    expect(after('--max-budget-usd')).to.equal('1.25');

    const again = buildAgentLaunch(config, agent, { ...opts, resume: true });
    expect(again.args[again.args.indexOf('--resume') + 1]).to.equal(opts.sessionId);
    expect(again.args).to.not.include('--session-id');
  });

  it('passes agent.fallback_model as --fallback-model, except when it is the agent’s own model', () => {
    const withFallback = testConfig({ registryDir: config.registryDir, overrides: { 'agent.fallback_model': 'claude-small-1' } });
    const args = buildAgentLaunch(withFallback, newAgentConfig({ id: 'fb-1', model: 'claude-big-1' }), { ...opts, resume: false }).args;
    expect(args[args.indexOf('--fallback-model') + 1]).to.equal('claude-small-1');
    expect(buildAgentLaunch(withFallback, newAgentConfig({ id: 'fb-2', model: 'claude-small-1' }), { ...opts, resume: false }).args).to.not.include('--fallback-model');
    expect(buildAgentLaunch(config, newAgentConfig({ id: 'fb-3' }), { ...opts, resume: false }).args, 'none configured').to.not.include('--fallback-model');
  });

  it('gives each agent its own config dir, HOME, workdir, id, API URL and token file; an allowlisted environment', () => {
    const host = { NOX_JWT_SECRET: 'must-not-leak', REDIS_URL: 'redis://x', DOCKER_HOST: 'unix:///x', NOX_SECRET_GH: 'x', SOMETHING_ELSE: 'x', ANTHROPIC_API_KEY: 'sk-1', LANG: 'C.UTF-8' };
    Object.assign(process.env, host);
    try {
      const launch = buildAgentLaunch(config, newAgentConfig({ id: 'cl-2' }), { ...opts, resume: false });
      expect(launch.cwd).to.equal(path.join(config.agent.workspace_root!, 'cl-2'));
      const configDir = path.join(config.registryDir, '.runtime', 'agents', 'cl-2', 'claude');
      expect(launch.env).to.include({ CLAUDE_CONFIG_DIR: configDir, HOME: configDir, NOX_AGENT_ID: 'cl-2', NOX_API_URL: 'http://api', NOX_AGENT_TOKEN_FILE: '/run/tok', EXTRA: '1', ANTHROPIC_API_KEY: 'sk-1', LANG: 'C.UTF-8' });
      for (const name of ['NOX_JWT_SECRET', 'REDIS_URL', 'DOCKER_HOST', 'NOX_SECRET_GH', 'SOMETHING_ELSE', 'NOX_AGENT_TOKEN']) expect(launch.env[name], name).to.equal(undefined);
      expect(launch.env.PATH!.split(':')).to.include('/usr/bin').and.not.include(`${process.env.HOME}/bin`);
      expect(launch.args).to.not.include('--system-prompt');
      const custom = buildAgentLaunch(config, newAgentConfig({ id: 'cl-3', workdir: '/srv/work', system_prompt: 'more', replace_system_prompt: false }), { ...opts, resume: false });
      expect(custom.cwd).to.equal('/srv/work');
      expect(custom.args[custom.args.indexOf('--append-system-prompt') + 1]).to.equal('more');
    } finally {
      for (const name of Object.keys(host)) delete process.env[name];
    }
  });

  it('refuses an agent.env that names what agents must never get', () => {
    for (const name of ['REDIS_URL', 'DOCKER_HOST', 'NOX_JWT_SECRET', 'NOX_SECRET_X', 'NOX_REDIS_PASSWORD', 'NOX_TOKEN']) {
      expect(() => testConfig({ registryDir: config.registryDir, overrides: { 'agent.env': { [name]: 'x' } } }), name).to.throw(/agent\.env: names a variable agents must never get/);
    }
  });

  it('decides tool permission from the config: deny by default, with a reason', () => {
    const req = (tool_name: string, input: Record<string, unknown> = {}) => ({ subtype: 'can_use_tool' as const, tool_name, input });
    const agent = newAgentConfig({ id: 'pp', allowed_tools: ['Read', 'Bash(git:*)', 'mcp__nox'], disallowed_tools: ['Bash(git push:*)'] });
    expect(decidePermission(agent, req('Read', { file_path: 'a' }))).to.deep.equal({ behavior: 'allow', updatedInput: { file_path: 'a' } });
    expect(decidePermission(agent, req('Bash', { command: 'git status' })).behavior).to.equal('allow');
    expect(decidePermission(agent, req('mcp__nox__send_message')).behavior).to.equal('allow');
    expect(decidePermission(agent, req('Bash', { command: 'github-cli x' })).behavior, 'prefix stops at a word').to.equal('deny');
    const push = decidePermission(agent, req('Bash', { command: 'git push origin' }));
    expect(push).to.include({ behavior: 'deny' });
    expect((push as { message: string }).message).to.match(/disallowed/);
    const other = decidePermission(agent, req('Write', { file_path: 'x' }));
    expect((other as { message: string }).message).to.match(/not in the allowed tools of agent pp/);
    expect(decidePermission(newAgentConfig({ id: 'pe', permission_mode: 'acceptEdits' }), req('Write')).behavior).to.equal('allow');
    expect(decidePermission(newAgentConfig({ id: 'pb', permission_mode: 'bypassPermissions' }), req('Bash', { command: 'rm -rf x' })).behavior).to.equal('allow');
  });
});
