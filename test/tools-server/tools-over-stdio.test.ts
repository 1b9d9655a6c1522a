import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { expect } from 'chai';
import { readRuntime } from '../../shared/agents/runtime-state.js';
import type { Task } from '../../shared/tasks/task-model.js';
import { noxToolsServer } from '../../workers/tools-server/mcp-entry.js';
import { tokenFor, waitUntil } from '../support/harness.js';
import { startCollabStack, type CollabStack } from '../messages/support/collab-stack.js';

describe('the Nox tools server (stdio MCP, SDK client, real stack)', function () {
  this.timeout(60_000);
  let stack: CollabStack;
  let client: Client;
  let cwd: string;

  type ToolResult = { content: { type: string; text: string }[]; isError?: boolean };
  const tool = async <T = unknown>(name: string, args: Record<string, unknown> = {}): Promise<T> => {
    const r = (await client.callTool({ name, arguments: args })) as ToolResult;
    if (r.isError) throw new Error(`${name}: ${r.content[0]?.text}`);
    return JSON.parse(r.content[0]!.text) as T;
  };

  before(async () => {
    stack = await startCollabStack();
    await stack.createAgent('tool-a');
    await stack.createAgent('tool-b');
    // the entry every agent gets in its --mcp-config, started the way the CLI starts it:
    // its own environment, in the agent's working folder (no node_modules there)
    cwd = mkdtempSync(path.join(tmpdir(), 'nox-tools-cwd-'));
    const tokenFile = path.join(cwd, 'nox-token');
    writeFileSync(tokenFile, tokenFor('agent', 'tool-a', 'tool-a'), { mode: 0o600 });
    const entry = noxToolsServer('tool-a', tokenFile, stack.api.url).nox as { command: string; args: string[]; env: Record<string, string> };
    client = new Client({ name: 'nox-test', version: '1.0.0' });
    await client.connect(new StdioClientTransport({ command: entry.command, args: entry.args, env: { PATH: process.env.PATH ?? '', ...entry.env }, cwd, stderr: 'pipe' }));
  });
  after(async () => {
    await client?.close();
    await stack.cleanup();
    rmSync(cwd, { recursive: true, force: true });
  });

  it('lists its tools, and every agent’s --mcp-config names the server with a token file only it can read', async () => {
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).to.include.members(['send_message', 'broadcast', 'publish', 'subscribe', 'list_agents', 'create_task', 'delegate_task', 'update_task', 'list_tasks', 'spawn_agent', 'request_approval', 'remember', 'recall']);
    const pid = (await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, 'tool-b'))?.pid as number;
    const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const mcp = JSON.parse(argv[argv.indexOf('--mcp-config') + 1]!) as { mcpServers: Record<string, { args: string[]; env: Record<string, string> }> };
    expect(mcp.mcpServers.nox?.args.join(' ')).to.include('workers/tools-server/main');
    expect(argv.join(' ')).to.not.include(tokenFor('agent', 'tool-b', 'tool-b').slice(0, 20));
    const tokenFile = mcp.mcpServers.nox!.env.NOX_AGENT_TOKEN_FILE!;
    expect(statSync(tokenFile).mode & 0o777).to.equal(0o600);
  });

  it('send_message reaches the other agent as a turn from this agent; list_agents shows both', async () => {
    const agents = await tool<{ id: string; status: string }[]>('list_agents');
    expect(agents.map((a) => a.id)).to.include.members(['tool-a', 'tool-b']);
    const sent = await tool<{ id: string }>('send_message', { to: 'tool-b', content: 'hello from a tool', message_type: 'request' });
    const turns = await stack.waitTurns('tool-b', 1);
    expect(turns.at(-1)).to.include(`[message ${sent.id}] request message from agent:tool-a`).and.include('hello from a tool');
  });

  it('tasks: create for itself, delegate to another, which may then finish it; list_tasks', async () => {
    const t = await tool<Task>('create_task', { title: 'Tool-made task', priority: 'high' });
    expect(t.agent_id).to.equal('tool-a');
    expect(t.requested_by).to.equal('agent:tool-a');
    const updated = await tool<Task>('update_task', { task_id: t.id, status: 'in-progress' });
    expect(updated.status).to.equal('in_progress');
    const moved = await tool<Task>('delegate_task', { task_id: t.id, to: 'tool-b', note: 'yours now' });
    expect(moved.agent_id).to.equal('tool-b');
    const mine = await tool<Task[]>('list_tasks', { agent_id: 'tool-b' });
    expect(mine.map((x) => x.id)).to.include(t.id);
    await stack.json('PATCH', `/api/tasks/${t.id}`, 200, { token: tokenFor('agent', 'tool-b', 'tool-b'), body: { status: 'done' } });
    // acting as another agent is refused: tool-a may not change what is not its own (to it, no such task)...
    const other = await stack.json<Task>('POST', '/api/tasks', 201, { body: { agent_id: 'tool-b', title: 'not for a' } });
    const r = (await client.callTool({ name: 'update_task', arguments: { task_id: other.id, status: 'done' } })) as ToolResult;
    expect(r.isError).to.equal(true);
    expect(r.content[0]!.text).to.include('404');
  });

  it('subscribe and publish; remember and recall (memory.toml)', async () => {
    await tool('subscribe', { topic: 'tool-news' });
    await stack.json('POST', '/api/topics/tool-news/subscribers', 201, { body: { agent_id: 'tool-b' } });
    const before = (await stack.turnsOf('tool-b')).length;
    const pub = await tool<{ id: string }>('publish', { topic: 'tool-news', content: 'news!' });
    const turns = await stack.waitTurns('tool-b', before + 1);
    expect(turns.at(-1)).to.include(pub.id).and.include('published on topic tool-news');
    const topics = await stack.json<{ topics: { topic: string; subscribers: string[] }[] }>('GET', '/api/topics', 200);
    expect(topics.topics.find((x) => x.topic === 'tool-news')?.subscribers).to.deep.equal(['tool-a', 'tool-b']);

    await tool('remember', { key: 'favourite-colour', value: 'teal' });
    const all = await tool<Record<string, { value: string }>>('recall');
    expect(all['favourite-colour']?.value).to.equal('teal');
    expect(readFileSync(path.join(stack.config.registryDir, 'agents/tool-a/memory.toml'), 'utf8')).to.include('teal');
    // another agent's memory is not readable with this agent's token
    const res = await stack.call('GET', '/api/agents/tool-a/memory', { token: tokenFor('agent', 'tool-b', 'tool-b') });
    expect(res.status).to.equal(403);
  });

  it('spawn_agent asks for a spawn_agent approval, waits for a person, and says what happened: spawned (then it runs) or denied', async () => {
    // the stack's host runs what `nox worker` runs for approvals: the approvals queue and
    // the watch that acts on spawn decisions
    type Spawned = { summary: string; outcome: string; agent: string; parent?: string; started?: boolean; approval_id: string; decided_by?: string };
    const pendingSpawn = async (child: string): Promise<{ id: string; agent_id: string; requested_by: string; details: { agent: string } }> => {
      let found: { id: string; agent_id: string; requested_by: string; status: string; details: { agent: string } } | undefined;
      await waitUntil(async () => {
        const res = await stack.call('GET', '/api/approvals?type=spawn_agent&status=pending', { role: 'operator' });
        found = ((await res.json()) as { approvals: NonNullable<typeof found>[] }).approvals.find((x) => x.details.agent === child);
        return found !== undefined;
      }, 15_000);
      return found!;
    };
    const asked = client.callTool({ name: 'spawn_agent', arguments: { id: 'tool-child', name: 'Child' } }) as Promise<ToolResult>;
    const approval = await pendingSpawn('tool-child');
    expect(approval).to.include({ agent_id: 'tool-a', requested_by: 'agent:tool-a' });
    expect(await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, 'tool-child'), 'nothing runs before the approval').to.equal(undefined);
    await stack.json('POST', `/api/approvals/${approval.id}/approve`, 200, { role: 'operator', body: { reason: 'ok' } });
    const result = await asked;
    expect(result.isError ?? false).to.equal(false);
    const spawned = JSON.parse(result.content[0]!.text) as Spawned;
    expect(spawned).to.include({ summary: 'spawned tool-child', outcome: 'spawned', agent: 'tool-child', parent: 'tool-a', started: true, approval_id: approval.id });
    await waitUntil(async () => (await readRuntime(stack.apiCtx.redis, stack.apiCtx.keys, 'tool-child'))?.status === 'idle', 15_000);

    const refused = client.callTool({ name: 'spawn_agent', arguments: { id: 'tool-child-2' } }) as Promise<ToolResult>;
    const second = await pendingSpawn('tool-child-2');
    await stack.json('POST', `/api/approvals/${second.id}/deny`, 200, { role: 'operator', body: { reason: 'one child is enough' } });
    const denied = await refused;
    expect(denied.isError).to.equal(true);
    expect(JSON.parse(denied.content[0]!.text)).to.include({ summary: 'denied: one child is enough', outcome: 'denied', agent: 'tool-child-2' });
    expect((await stack.call('GET', '/api/agents/tool-child-2')).status).to.equal(404);
  });

  it('request_approval waits for a person: pending in the inbox, approved through the API, the decision comes back to the agent', async () => {
    const asked = tool<{ id: string; status: string; decision: string; reason?: string; decided_by: string }>('request_approval', {
      description: 'drop the staging database',
      risk_level: 'high',
      details: 'database: staging',
    });
    let pending: { id: string; agent_id: string; risk_level: string; description: string } | undefined;
    await waitUntil(async () => {
      // (high risk: the default policy escalates it to a person, so it stays pending)
      const res = await stack.call('GET', '/api/approvals', { role: 'operator' });
      const body = (await res.json()) as { approvals: { id: string; agent_id: string; risk_level: string; description: string; status: string }[] };
      pending = body.approvals.find((x) => x.description === 'drop the staging database' && x.status === 'pending');
      return pending !== undefined;
    }, 15_000);
    expect(pending).to.deep.include({ agent_id: 'tool-a', risk_level: 'high' });
    const approve = await stack.call('POST', `/api/approvals/${pending!.id}/approve`, { role: 'operator', body: { reason: 'go ahead' } });
    expect(approve.status).to.equal(200);
    const answer = await asked;
    expect(answer).to.deep.include({ id: pending!.id, status: 'approved', reason: 'go ahead' });
    expect(answer.decided_by).to.match(/test-operator/);
  });
});
