import { readFileSync } from 'node:fs';
import readline from 'node:readline';
import { abortError, createToolRunner, type McpServerEntry, type PermissionAnswer } from './agent-tools.js';
import { readDemoTag } from './demo-fleet.js';
import { NOT_A_MODEL, playTurn, type Actor } from './demo-roles.js';
import { assistantLine, DEMO_AGENT_VERSION, initLine, newMessageId, openSession, resultLine, writeLine } from './stream-json.js';

/**
 * The demo agent: a program that stands in for `claude -p --input-format stream-json
 * --output-format stream-json --verbose` (the command `nox up --demo` configures as
 * agent.command). It speaks the CLI's protocol line for line — turns on stdin, one at a
 * time; `system/init`, assistant blocks, tool results and exactly one `result` per turn on
 * stdout; `can_use_tool` questions answered on stdin; `interrupt`; sessions by
 * `--session-id` / `--resume` — and plays its part of the demo (demo-roles.ts), read from
 * the tag in its system prompt. It needs no API key and no network.
 *
 * Environment: NOX_DEMO_PACE_MS, the pause before each step (default 1500), so a person
 * watching the dashboard sees each agent work.
 */
const argv = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};

if (argv.includes('--version')) {
  process.stdout.write(`${DEMO_AGENT_VERSION} (Nox demo agent: a stand-in for Claude Code, no model)\n`);
  process.exit(0);
}

function fail(message: string): never {
  process.stderr.write(`Error: ${message}\n`);
  process.exit(1);
}

// the real CLI's rules for the flags Nox passes (../shared/claude-cli.md)
if (!argv.includes('-p') || flag('--output-format') !== 'stream-json' || flag('--input-format') !== 'stream-json' || !argv.includes('--verbose')) {
  fail('the demo agent runs only as `-p --input-format stream-json --output-format stream-json --verbose`');
}

const session = (() => {
  try {
    return openSession(flag);
  } catch (err) {
    return fail((err as Error).message);
  }
})();
const part = readDemoTag(flag('--system-prompt') ?? flag('--append-system-prompt'));
const servers = mcpServers(flag('--mcp-config'));
const tools = createToolRunner(session, servers, flag('--permission-prompt-tool') === 'stdio');
const pace = Number(process.env.NOX_DEMO_PACE_MS ?? 1500);

const queue: string[] = [];
let current: AbortController | undefined;
let working = false;
let inputClosed = false;
let turnsInProcess = 0;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });

async function runTurn(text: string): Promise<void> {
  const started = Date.now();
  const abort = (current = new AbortController());
  const messageId = newMessageId();
  let outputTokens = 0;
  writeLine(initLine(session, Object.keys(servers)));
  session.record({ type: 'user', message: { role: 'user', content: text } });
  const say = async (said: string): Promise<void> => {
    await sleep(pace, abort.signal);
    outputTokens += Math.ceil(said.length / 4);
    writeLine(assistantLine(session, messageId, { type: 'text', text: said }));
  };
  const actor: Actor = {
    me: process.env.NOX_AGENT_ID ?? 'demo',
    say,
    async use(name, input, pretend) {
      await sleep(pace, abort.signal);
      return tools.run({ name, input, ...(pretend ? { pretend } : {}) }, messageId, abort.signal);
    },
  };
  let reply: string | undefined;
  try {
    reply = part ? await playTurn(part.role, part.team, text, actor) : NOT_A_MODEL;
    await say(reply);
    session.record({ type: 'assistant', message: { role: 'assistant', content: reply } });
  } catch (err) {
    if ((err as Error).name !== 'AbortError') {
      reply = `The demo part failed: ${(err as Error).message}`;
      writeLine(assistantLine(session, messageId, { type: 'text', text: reply }));
    } else {
      session.record({ type: 'interrupted' });
    }
  }
  current = undefined;
  turnsInProcess++;
  writeLine(resultLine(session, { startedAt: started, turnsInProcess, reply, outputTokens }));
}

async function drain(): Promise<void> {
  if (working) return;
  working = true;
  while (queue.length > 0) await runTurn(queue.shift()!);
  working = false;
  if (inputClosed) await exit();
}

async function exit(): Promise<never> {
  await tools.close();
  process.exit(0);
}

type Line = {
  type?: string;
  message?: { content?: unknown };
  request_id?: string;
  request?: { subtype?: string };
  response?: { subtype?: string; request_id?: string; response?: PermissionAnswer };
};

const input = readline.createInterface({ input: process.stdin });
input.on('line', (raw) => {
  if (!raw.trim()) return;
  let line: Line;
  try {
    line = JSON.parse(raw) as Line;
  } catch {
    process.stderr.write('demo agent: a line on stdin is not JSON; ignored\n');
    return;
  }
  if (line.type === 'user') {
    queue.push(textOf(line.message?.content));
    void drain();
  } else if (line.type === 'control_response' && line.response?.request_id && line.response.response) {
    tools.answer(line.response.request_id, line.response.response);
  } else if (line.type === 'control_request' && line.request?.subtype === 'interrupt') {
    current?.abort();
    writeLine({ type: 'control_response', response: { subtype: 'success', request_id: line.request_id } });
  }
});
input.on('close', () => {
  inputClosed = true;
  if (!working) void exit();
});

function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter((b): b is { type: 'text'; text: string } => (b as { type?: string })?.type === 'text')
    .map((b) => b.text)
    .join('\n');
}

/** `--mcp-config`: JSON text or a file holding it (the real CLI takes both). */
function mcpServers(raw: string | undefined): Record<string, McpServerEntry> {
  if (!raw) return {};
  const text = raw.trim().startsWith('{') ? raw : readFileSync(raw, 'utf8');
  return ((JSON.parse(text) as { mcpServers?: Record<string, McpServerEntry> }).mcpServers ?? {});
}
