import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { z } from 'zod';
import { RISK_LEVELS } from '../../shared/approvals/approval-request.js';
import { ID_PATTERN } from '../../shared/ids.js';
import { MESSAGE_PRIORITIES, TOPIC_PATTERN } from '../../shared/messages/message-model.js';
import { TASK_PRIORITIES } from '../../shared/registry/task-record.js';
import type { ApiClient } from './api-client.js';

/**
 * The tools an agent uses to act in Nox. Each is a REST call with the agent's own token;
 * the API decides what the agent may do (it acts only as itself, spawns under the spawn
 * guards and a spawn_agent approval). A refused or failed call comes back as a tool error
 * the model can read.
 */
const agentId = z.string().regex(ID_PATTERN).describe('an agent id');
const priority = z.enum(MESSAGE_PRIORITIES).optional().describe('critical | high | normal (default) | low');
const messageType = z.string().regex(/^[a-z][a-z0-9_-]{0,31}$/).optional().describe('what kind of message: text (default), request, response, notification...');
const taskId = z.string().regex(/^t-[a-z0-9][a-z0-9-]{0,62}$/).describe('a task id (t-...)');
const memoryKey = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).describe('a short key: letters, digits, _ . -');

type Result = { content: { type: 'text'; text: string }[]; isError?: boolean };
type Approval = { id: string; status: string; decision?: string; reason?: string; decided_by?: string; risk_level?: string };
type AgentRequestView = { status: string; error?: string; result?: Record<string, unknown>; config?: { parent?: string } };

/** How long request_approval waits for a decision; past it the approval is still pending and the tool says so. */
const APPROVAL_WAIT_MS = Number(process.env.NOX_APPROVAL_WAIT_MS ?? 15 * 60_000);
/** one long-poll of GET /api/approvals/:id (the route allows up to 60 s) */
const POLL_MS = 50_000;
/** how long spawn_agent waits, once approved, for the workers to create the child */
const ACT_WAIT_MS = 60_000;

const ok = (value: unknown): Result => ({ content: [{ type: 'text', text: JSON.stringify(value, null, 2) }] });

export function registerNoxTools(server: McpServer, api: ApiClient): void {
  const run = async (fn: () => Promise<unknown>): Promise<Result> => {
    try {
      return ok(await fn());
    } catch (err) {
      return { content: [{ type: 'text', text: (err as Error).message }], isError: true };
    }
  };
  const me = api.agentId;

  server.registerTool(
    'send_message',
    {
      description: 'Send a message to another agent. It arrives as a turn that names you as the sender.',
      inputSchema: { to: agentId, content: z.string().min(1), message_type: messageType, priority, task_id: taskId.optional().describe('the task this asks work for (yours, or your ancestors’): the turn it causes counts against that task’s budget') },
    },
    async (a) => run(() => api.call('POST', '/api/messages', { to: a.to, content: a.content, ...(a.message_type ? { message_type: a.message_type } : {}), ...(a.priority ? { priority: a.priority } : {}), ...(a.task_id ? { metadata: { taskId: a.task_id } } : {}) })),
  );
  server.registerTool(
    'broadcast',
    { description: 'Send a message to every other agent.', inputSchema: { content: z.string().min(1), message_type: messageType, priority } },
    async (a) => run(() => api.call('POST', '/api/messages', { to: 'all', content: a.content, ...(a.message_type ? { message_type: a.message_type } : {}), ...(a.priority ? { priority: a.priority } : {}) })),
  );
  server.registerTool(
    'publish',
    { description: 'Publish a message on a topic; its subscribers receive it.', inputSchema: { topic: z.string().regex(TOPIC_PATTERN), content: z.string().min(1), message_type: messageType, priority } },
    async (a) => run(() => api.call('POST', `/api/topics/${a.topic}/messages`, { content: a.content, ...(a.message_type ? { message_type: a.message_type } : {}), ...(a.priority ? { priority: a.priority } : {}) })),
  );
  server.registerTool(
    'subscribe',
    { description: 'Subscribe yourself to a topic (unsubscribe: true to stop).', inputSchema: { topic: z.string().regex(TOPIC_PATTERN), unsubscribe: z.boolean().optional() } },
    async (a) => run(() => (a.unsubscribe ? api.call('DELETE', `/api/topics/${a.topic}/subscribers/${me}`) : api.call('POST', `/api/topics/${a.topic}/subscribers`, {}))),
  );
  server.registerTool('list_agents', { description: 'The agents of this Nox, with their status.' }, async () =>
    run(async () => {
      type Page = { agents: { id: string; name?: string; parent?: string; runtimeStatus: string }[]; next: string | null };
      const out: { id: string; name: string | null; parent: string | null; status: string }[] = [];
      // the list pages (issue 21): follow the cursors
      for (let cursor: string | null = ''; cursor !== null; ) {
        const page = (await api.call('GET', `/api/agents?limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`)) as Page;
        for (const x of page.agents) out.push({ id: x.id, name: x.name ?? null, parent: x.parent ?? null, status: x.runtimeStatus });
        cursor = page.next;
      }
      return out;
    }),
  );
  server.registerTool(
    'create_task',
    {
      description: 'Create a task (for yourself unless agent_id says otherwise). It is blocked until its dependencies are done.',
      inputSchema: {
        title: z.string().min(1).max(500),
        description: z.string().max(20_000).optional(),
        agent_id: agentId.optional(),
        priority: z.enum(TASK_PRIORITIES).optional(),
        deadline: z.string().optional().describe('YYYY-MM-DD or an ISO date-time'),
        dependencies: z.array(taskId).optional(),
      },
    },
    async (a) => run(() => api.call('POST', '/api/tasks', { agent_id: a.agent_id ?? me, title: a.title, ...strip({ description: a.description, priority: a.priority, deadline: a.deadline, dependencies: a.dependencies }) })),
  );
  server.registerTool(
    'delegate_task',
    { description: 'Give one of your tasks to another agent; it is told.', inputSchema: { task_id: taskId, to: agentId, note: z.string().max(2000).optional() } },
    async (a) => run(() => api.call('POST', `/api/tasks/${a.task_id}/delegate`, { to: a.to, ...strip({ note: a.note }) })),
  );
  server.registerTool(
    'update_task',
    {
      description: 'Change one of your tasks: status (pending, in_progress, blocked, done, cancelled), priority, deadline, title, description, dependencies.',
      inputSchema: {
        task_id: taskId,
        status: z.enum(['pending', 'todo', 'in_progress', 'in-progress', 'blocked', 'done', 'cancelled']).optional(),
        priority: z.enum(TASK_PRIORITIES).optional(),
        deadline: z.string().nullable().optional(),
        title: z.string().min(1).max(500).optional(),
        description: z.string().max(20_000).optional(),
        dependencies: z.array(taskId).optional(),
      },
    },
    async ({ task_id, ...patch }) => run(() => api.call('PATCH', `/api/tasks/${task_id}`, strip(patch))),
  );
  server.registerTool(
    'list_tasks',
    { description: 'Tasks (yours unless agent_id says otherwise), highest priority first.', inputSchema: { agent_id: agentId.optional(), status: z.string().optional() } },
    async (a) => run(async () => ((await api.call('GET', `/api/tasks?agent=${a.agent_id ?? me}${a.status ? `&status=${encodeURIComponent(a.status)}` : ''}`)) as { tasks: unknown[] }).tasks),
  );
  server.registerTool(
    'spawn_agent',
    {
      description:
        'Create and start a child agent. It needs an approval (policy or a person) and stays within the spawn limits (rate per hour, hierarchy depth); this waits for the decision and says whether the child was spawned or why not.',
      inputSchema: {
        id: agentId,
        name: z.string().max(200).optional(),
        system_prompt: z.string().max(100_000).optional(),
        model: z.string().max(200).optional(),
        allowed_tools: z.array(z.string().min(1).max(200)).max(100).optional().describe('tools the child may use without asking, e.g. Read, Bash(make test)'),
      },
    },
    async (a) => {
      try {
        return spawnResult(await spawnAndWait(api, { id: a.id, ...strip({ name: a.name, system_prompt: a.system_prompt, model: a.model, allowed_tools: a.allowed_tools }), start: true }));
      } catch (err) {
        return { content: [{ type: 'text', text: (err as Error).message }], isError: true };
      }
    },
  );
  server.registerTool(
    'request_approval',
    {
      description:
        'Ask for approval before a risky act (deleting data, spending money, touching production...). Policy or a person decides; this waits for the decision and returns it (approved or denied, with the reason).',
      inputSchema: {
        description: z.string().min(1).max(2000).describe('what you want to do and why'),
        risk_level: z.enum(RISK_LEVELS).optional().describe('low | medium | high | critical (the rules may raise it)'),
        details: z.string().max(4000).optional().describe('anything that helps the person decide'),
      },
    },
    async (a) =>
      run(async () => {
        let current = (await api.call('POST', '/api/approvals', {
          request_type: 'custom',
          description: a.description,
          ...strip({ risk_level: a.risk_level }),
          ...(a.details ? { details: { input: { details: a.details } } } : {}),
        })) as Approval;
        const deadline = Date.now() + APPROVAL_WAIT_MS;
        while (current.status === 'pending' && Date.now() < deadline) {
          const wait = Math.max(0, Math.min(POLL_MS, deadline - Date.now()));
          current = (await api.call('GET', `/api/approvals/${current.id}?wait_ms=${wait}`)) as Approval;
        }
        return strip({ id: current.id, status: current.status, decision: current.decision, reason: current.reason, decided_by: current.decided_by, risk_level: current.risk_level });
      }),
  );
  server.registerTool(
    'remember',
    { description: 'Keep a note in your long-term memory (memory.toml), under a key.', inputSchema: { key: memoryKey, value: z.string().max(20_000) } },
    async (a) => run(() => api.call('PUT', `/api/agents/${me}/memory/${a.key}`, { value: a.value })),
  );
  server.registerTool(
    'recall',
    { description: 'Read your long-term memory: one key, or everything.', inputSchema: { key: memoryKey.optional() } },
    async (a) => run(async () => ((await api.call('GET', `/api/agents/${me}/memory${a.key ? `?key=${a.key}` : ''}`)) as { memory: unknown }).memory),
  );
}

type SpawnOutcome =
  | { outcome: 'spawned'; agent: string; parent?: string; started: boolean; approval_id?: string; decided_by?: string; note?: string }
  | { outcome: 'denied' | 'failed' | 'waiting'; agent: string; approval_id: string; reason: string; decided_by?: string };

/**
 * POST /api/agents as this agent: 201 when the policy approved at once; else 202 with an
 * approval id — then the approval is long-polled until decided, and the request
 * (GET /api/agent-requests/:id) until the workers have acted on it.
 */
async function spawnAndWait(api: ApiClient, body: Record<string, unknown>): Promise<SpawnOutcome> {
  const id = String(body.id);
  const first = (await api.call('POST', '/api/agents', body)) as { id: string; parent?: string; status?: string; approval_id?: string; spawnJobId?: string; runtime?: unknown };
  if (first.status !== 'pending' && first.status !== 'acting') {
    return { outcome: 'spawned', agent: first.id, ...strip({ parent: first.parent, approval_id: first.approval_id }), started: Boolean(first.spawnJobId), decided_by: 'policy' };
  }
  const approvalId = first.approval_id as string;
  const deadline = Date.now() + APPROVAL_WAIT_MS;
  let approval = (await api.call('GET', `/api/approvals/${approvalId}`)) as Approval;
  while (approval.status === 'pending' && Date.now() < deadline) {
    approval = (await api.call('GET', `/api/approvals/${approvalId}?wait_ms=${Math.max(0, Math.min(POLL_MS, deadline - Date.now()))}`)) as Approval;
  }
  if (approval.status === 'pending') return { outcome: 'waiting', agent: id, approval_id: approvalId, reason: 'no decision yet; the child is created if it is approved later' };
  if (approval.status === 'denied') return { outcome: 'denied', agent: id, approval_id: approvalId, reason: approval.reason ?? '', ...strip({ decided_by: approval.decided_by }) };
  // approved: the workers act on it right away
  const actBy = Date.now() + ACT_WAIT_MS;
  let request = (await api.call('GET', `/api/agent-requests/${approvalId}`)) as AgentRequestView;
  while ((request.status === 'pending' || request.status === 'acting') && Date.now() < actBy) {
    await new Promise((r) => setTimeout(r, 500));
    request = (await api.call('GET', `/api/agent-requests/${approvalId}`)) as AgentRequestView;
  }
  if (request.status === 'done') {
    const started = request.result?.started === true;
    const note = typeof request.result?.start_error === 'string' ? `created, but not started: ${request.result.start_error}` : undefined;
    return { outcome: 'spawned', agent: id, ...strip({ parent: request.config?.parent, decided_by: approval.decided_by, note }), approval_id: approvalId, started };
  }
  if (request.status === 'denied' || request.status === 'failed') return { outcome: request.status, agent: id, approval_id: approvalId, reason: request.error ?? '', ...strip({ decided_by: approval.decided_by }) };
  return { outcome: 'waiting', agent: id, approval_id: approvalId, reason: 'approved; the workers have not acted on it yet' };
}

function spawnResult(o: SpawnOutcome): Result {
  const summary =
    o.outcome === 'spawned'
      ? `spawned ${o.agent}${o.started ? '' : ' (not started)'}`
      : o.outcome === 'waiting'
        ? `waiting for approval ${o.approval_id}: ${o.reason}`
        : `${o.outcome}: ${o.reason}`;
  return { content: [{ type: 'text', text: JSON.stringify({ summary, ...o }, null, 2) }], ...(o.outcome === 'denied' || o.outcome === 'failed' ? { isError: true } : {}) };
}

function strip<T extends Record<string, unknown>>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
