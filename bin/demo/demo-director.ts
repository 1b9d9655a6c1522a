import { signToken } from '../../shared/auth/tokens.js';
import { DEMO_AGENTS, DEMO_TEAM, demoPrompt, RELEASE_TASK_TITLE } from './demo-fleet.js';

/**
 * The person in the demo, played by `nox up --demo` once Nox is up: it creates and starts the
 * three demo agents, gives the lead its task, and watches — saying in the terminal what the
 * fleet does and what waits for you. The demo's one approval (the writer's `curl`) waits for
 * a person in the dashboard, the CLI or the API; after `approveAfterMs` with no decision the
 * demo approves it itself, as `user:demo`, with a reason that says so (0: it never does).
 * Everything goes through the REST API, as a person's client would.
 */
export interface DirectorOptions {
  url: string;
  jwtSecret: string;
  approveAfterMs: number;
  out(line: string): void;
}

export interface Director {
  /** resolves when the lead's task is done, or the demo could not go on (the reason was printed) */
  finished: Promise<void>;
  stop(): void;
}

const POLL_MS = 500;
const START_WAIT_MS = 60_000;
const DEMO_IDS = new Set(DEMO_AGENTS.map((a) => a.id));

interface Approval {
  id: string;
  agent_id: string;
  created_at: string;
  risk_level: string;
  description: string;
  details?: { tool?: string; input?: { command?: unknown } };
}

export function startDemoDirector(o: DirectorOptions): Director {
  let stopped = false;
  const token = signToken(o.jwtSecret, { sub: 'demo', role: 'admin' }, { expiresIn: '12h' });
  const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());
  const call = async <T>(method: string, urlPath: string, body?: unknown): Promise<T> => {
    // 503: Nox is up but not all there yet (the registry writer publishes the registry a moment after the API answers)
    for (const deadline = Date.now() + START_WAIT_MS; ; await sleep(POLL_MS)) {
      const res = await fetch(`${o.url}${urlPath}`, {
        method,
        headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      if (res.ok) return (text ? JSON.parse(text) : {}) as T;
      if (res.status !== 503 || stopped || Date.now() > deadline) throw new Error(`${method} ${urlPath}: ${res.status} ${text.slice(0, 300)}`);
    }
  };

  const waitForAgents = async (): Promise<boolean> => {
    const deadline = Date.now() + START_WAIT_MS;
    while (!stopped && Date.now() < deadline) {
      const states = await Promise.all(DEMO_AGENTS.map((a) => call<{ runtime?: { status?: string; reason?: string } }>('GET', `/api/agents/${a.id}`)));
      const failed = states.findIndex((s) => s.runtime?.status === 'failed');
      if (failed >= 0) {
        o.out(`demo: ${DEMO_AGENTS[failed]!.id} failed to start: ${states[failed]!.runtime?.reason ?? 'no reason given'}`);
        return false;
      }
      if (states.every((s) => s.runtime?.status === 'idle')) return true;
      await sleep(POLL_MS);
    }
    if (!stopped) o.out(`demo: the agents did not start within ${START_WAIT_MS / 1000} s; \`nox agent list\` says where they are`);
    return false;
  };

  const announced = new Set<string>();
  const watchApprovals = async (): Promise<void> => {
    const { approvals } = await call<{ approvals: Approval[] }>('GET', '/api/approvals?status=pending&limit=100');
    for (const a of approvals.filter((x) => DEMO_IDS.has(x.agent_id))) {
      const what = typeof a.details?.input?.command === 'string' ? `to run \`${a.details.input.command}\`` : a.description;
      if (!announced.has(a.id)) {
        announced.add(a.id);
        const auto = o.approveAfterMs > 0 ? `; with no decision the demo approves it in ${Math.round(o.approveAfterMs / 1000)} s` : '';
        o.out(`demo: ${a.agent_id} asks ${what} (${a.risk_level} risk). It waits for you: approve or deny it at ${o.url}/attention, or \`nox approve ${a.id}\`${auto}.`);
      }
      if (o.approveAfterMs > 0 && Date.now() - Date.parse(a.created_at) >= o.approveAfterMs) {
        const reason = `approved by the demo: no decision within ${Math.round(o.approveAfterMs / 1000)} s (NOX_DEMO_APPROVE_AFTER_MS=0 waits for a person)`;
        await call('POST', `/api/approvals/${a.id}/approve`, { reason }).then(
          () => o.out(`demo: nobody decided, so the demo approved ${a.id} itself`),
          // a person decided in the same moment: theirs stands
          () => undefined,
        );
      }
    }
  };

  const run = async (): Promise<void> => {
    const started = Date.now();
    for (const a of DEMO_AGENTS) await call('POST', '/api/agents', { id: a.id, name: a.name, system_prompt: demoPrompt(a), start: true });
    if (!(await waitForAgents())) return;
    o.out(`demo: ${DEMO_AGENTS.length} agents running (${DEMO_AGENTS.map((a) => a.id).join(', ')}): watch them at ${o.url}/agents`);
    const task = await call<{ id: string }>('POST', '/api/tasks', { agent_id: DEMO_TEAM.lead, title: RELEASE_TASK_TITLE, priority: 'high', description: 'Find out what changed, have the notes written, and post them to the team channel.' });
    o.out(`demo: gave ${DEMO_TEAM.lead} the task "${RELEASE_TASK_TITLE}" (${task.id}); the agents now message each other, delegate and ask you once`);
    while (!stopped) {
      await watchApprovals();
      const current = await call<{ status: string }>('GET', `/api/tasks/${task.id}`);
      if (current.status === 'done') {
        o.out(`demo: done in ${Math.round((Date.now() - started) / 1000)} s: ${task.id} is done. Nox keeps running (Ctrl-C stops it); the dashboard keeps the whole story.`);
        return;
      }
      await sleep(POLL_MS);
    }
  };

  const finished = run().catch((err: unknown) => {
    if (!stopped) o.out(`demo: stopped: ${(err as Error).message}`);
  });
  return {
    finished,
    stop() {
      stopped = true;
    },
  };
}
