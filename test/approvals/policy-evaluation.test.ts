import { expect } from 'chai';
import { newApprovalRequest, type ApprovalAsk, type ApprovalRequest } from '../../shared/approvals/approval-request.js';
import { DEFAULT_RULES, evaluatePolicy, rememberRule, toolPatternMatches, type PolicyRule, type PolicySet } from '../../shared/approvals/policy.js';
import { approvalsSection } from '../../shared/config/sections.js';

function req(over: Partial<ApprovalAsk> = {}): ApprovalRequest {
  return newApprovalRequest({
    agent_id: 'a1',
    request_type: 'tool_use',
    description: 'test',
    risk_level: 'low',
    requested_by: 'agent:a1',
    details: { tool: 'Read', input: { file_path: 'x' } },
    ...over,
  });
}
const bash = (command: string, risk: ApprovalRequest['risk_level'] = 'high', agent = 'a1') =>
  req({ agent_id: agent, risk_level: risk, details: { tool: 'Bash', input: { command } } });
const defaults: PolicySet = { rules: DEFAULT_RULES, remembered: [] };

describe('approval policy evaluation (pure)', () => {
  it('defaults: approve low and medium tool uses and any low request; ask from high up and for medium non-tool requests', () => {
    expect(evaluatePolicy(defaults, req()).action).to.equal('approve');
    expect(evaluatePolicy(defaults, req({ risk_level: 'medium', details: { tool: 'Edit', input: { file_path: 'a' } } })).action).to.equal('approve');
    expect(evaluatePolicy(defaults, bash('npm i x', 'high')).action).to.equal('ask');
    expect(evaluatePolicy(defaults, bash('sudo x', 'critical')).action).to.equal('ask');
    expect(evaluatePolicy(defaults, req({ request_type: 'spawn_agent', risk_level: 'medium', details: {} })).action).to.equal('ask');
    expect(evaluatePolicy(defaults, req({ request_type: 'install_mcp', risk_level: 'low', details: {} })).action).to.equal('approve');
  });

  it('the config section defaults to the documented rules', () => {
    const section = approvalsSection.parse({});
    expect(section.rules).to.deep.equal(DEFAULT_RULES);
    expect(section.remembered).to.deep.equal([]);
    expect(section.timeout_ms).to.equal(300_000);
  });

  it('first matching rule wins, and the verdict names it', () => {
    const rules: PolicyRule[] = [
      { action: 'deny', tools: ['Bash(rm:*)'], note: 'no deleting' },
      { action: 'approve', tools: ['Bash'] },
      { action: 'ask' },
    ];
    const v1 = evaluatePolicy({ rules, remembered: [] }, bash('rm -rf build'));
    expect(v1).to.deep.equal({ action: 'deny', rule: 'rules[0]', note: 'no deleting' });
    expect(evaluatePolicy({ rules, remembered: [] }, bash('make')).rule).to.equal('rules[1]');
    expect(evaluatePolicy({ rules, remembered: [] }, req({ request_type: 'custom', details: {} })).rule).to.equal('rules[2]');
  });

  it('matches by type, risk, max_risk and agent', () => {
    const rules: PolicyRule[] = [
      { action: 'deny', types: ['delete_agent'] },
      { action: 'approve', agents: ['trusted'], max_risk: 'high' },
      { action: 'deny', risks: ['critical'] },
    ];
    const p = { rules, remembered: [] };
    expect(evaluatePolicy(p, req({ request_type: 'delete_agent', details: {} })).action).to.equal('deny');
    expect(evaluatePolicy(p, bash('git push', 'high', 'trusted')).action).to.equal('approve');
    expect(evaluatePolicy(p, bash('sudo x', 'critical', 'trusted')).action).to.equal('deny');
    expect(evaluatePolicy(p, bash('git push', 'high', 'other'))).to.deep.equal({ action: 'ask', rule: 'none', note: 'no policy rule matched' });
  });

  it('a rule with tools never matches a request that is not a tool use', () => {
    const p = { rules: [{ action: 'approve', tools: ['*'] } as PolicyRule], remembered: [] };
    expect(evaluatePolicy(p, req({ request_type: 'custom', details: {} })).action).to.equal('ask');
    expect(evaluatePolicy(p, bash('anything')).action).to.equal('approve');
  });

  it('auto_approve false turns an approve into ask, but a deny still denies', () => {
    const custom = req({ request_type: 'custom', risk_level: 'low', details: {} });
    expect(custom.auto_approve).to.equal(false);
    const v = evaluatePolicy(defaults, custom);
    expect(v.action).to.equal('ask');
    expect(v.note).to.match(/auto_approve false/);
    expect(evaluatePolicy({ rules: [{ action: 'deny' }], remembered: [] }, custom).action).to.equal('deny');
  });

  it('tool patterns follow the CLI: exact tool, MCP server, exact command, command prefix, path prefix', () => {
    expect(toolPatternMatches('Read', 'Read')).to.equal(true);
    expect(toolPatternMatches('Read', 'ReadX')).to.equal(false);
    expect(toolPatternMatches('mcp__github', 'mcp__github__create_issue')).to.equal(true);
    expect(toolPatternMatches('mcp__github', 'mcp__githubx__a')).to.equal(false);
    expect(toolPatternMatches('Bash(make test)', 'Bash', { command: 'make test' })).to.equal(true);
    expect(toolPatternMatches('Bash(make test)', 'Bash', { command: 'make test; rm -rf /' })).to.equal(false);
    expect(toolPatternMatches('Bash(git:*)', 'Bash', { command: 'git status' })).to.equal(true);
    expect(toolPatternMatches('Bash(git:*)', 'Bash', { command: 'gitk' })).to.equal(false);
    expect(toolPatternMatches('Edit(src/*)', 'Edit', { file_path: 'src/a.ts' })).to.equal(true);
    expect(toolPatternMatches('Edit(src/*)', 'Write', { file_path: 'src/a.ts' })).to.equal(false);
    expect(toolPatternMatches('*', 'Anything')).to.equal(true);
  });

  it('remembered rules come first, only for their agent and up to the risk they were approved at', () => {
    const approved = bash('make deploy', 'high');
    const rule = rememberRule(approved, 'user:alice', undefined, new Date('2026-01-01T00:00:00Z'));
    expect(rule).to.include({ action: 'approve', max_risk: 'high', added_by: 'user:alice' });
    expect(rule.tools).to.deep.equal(['Bash(make deploy)']);
    expect(rule.agents).to.deep.equal(['a1']);
    const p = { rules: [{ action: 'deny' } as PolicyRule], remembered: [rule] };
    expect(evaluatePolicy(p, bash('make deploy', 'high'))).to.include({ action: 'approve', rule: 'remembered[0]' });
    expect(evaluatePolicy(p, bash('make deploy', 'high', 'a2')).action, 'another agent').to.equal('deny');
    expect(evaluatePolicy(p, bash('make deploy', 'critical')).action, 'riskier').to.equal('deny');
    expect(evaluatePolicy(p, bash('make other', 'high')).action, 'another command').to.equal('deny');
  });

  it('remember with a pattern; non-Bash tools remember the tool; agent-less remembered rules are ignored', () => {
    expect(rememberRule(bash('git push origin x'), 'user:bob', 'Bash(git push:*)').tools).to.deep.equal(['Bash(git push:*)']);
    expect(rememberRule(req({ risk_level: 'medium', details: { tool: 'WebFetch', input: { url: 'u' } } }), 'user:bob').tools).to.deep.equal(['WebFetch']);
    expect(rememberRule(req({ request_type: 'spawn_agent', details: {} }), 'user:bob').tools).to.equal(undefined);
    const p = { rules: [], remembered: [{ action: 'approve', tools: ['*'] } as PolicyRule] };
    expect(evaluatePolicy(p, bash('x')).action).to.equal('ask');
  });
});
