import { useCallback, useEffect, useRef, useState } from 'react';
import { api } from '../api/client';
import { ApiError, describeError } from '../api/problem';
import { useEventListener } from '../live/live-context';
import { arr, num, str, type Row } from '../lib/fields';
import { ErrorNote, Loading, Unavailable } from './ResourceGate';

/**
 * An agent's conversation, live: the page reads GET /api/agents/:id/conversation once,
 * then, whenever an `agent.output` event of this agent arrives, reads what came after the
 * last sequence number it holds — entries are never missed or repeated, even in a burst.
 * (The default flush interval is 1 s; the trailing reads cover it.)
 */
interface Entry {
  seq: number;
  at?: string;
  kind: string;
  text?: string;
  raw?: unknown;
}

const PAGE = 200;
const KEEP = 1000;
const SETTLE_MS = [400, 1500, 4000];

function toEntry(row: Row): Entry {
  return { seq: num(row, 'seq') ?? 0, at: str(row, 'at'), kind: str(row, 'kind', 'type') ?? 'entry', text: str(row, 'text'), raw: row.raw };
}

/** What a line says, for tool calls and their results that carry no short text. */
function describe(e: Entry): string {
  const raw = e.raw as Row | undefined;
  if (e.kind === 'init') return `session ${str(raw, 'session_id') ?? '?'} · model ${str(raw, 'model') ?? '?'} · ${arr(raw, 'tools').length} tools`;
  if (e.kind === 'result') {
    const cost = num(raw, 'total_cost_usd');
    return `${e.text ?? str(raw, 'subtype') ?? ''}${cost === undefined ? '' : ` · process cost $${cost.toFixed(4)}`}`;
  }
  if (e.kind === 'permission-request') {
    const req = (raw?.request ?? {}) as Row;
    return `asks to use ${str(req, 'tool_name') ?? 'a tool'} ${JSON.stringify(req.input ?? {})} — waiting for a decision`;
  }
  if (e.text) return e.text;
  const content = arr(raw, 'message.content');
  const parts = content.map((c) => {
    const block = c as Row;
    if (block.type === 'tool_use') return `${String(block.name)} ${JSON.stringify(block.input)}`;
    if (block.type === 'tool_result') return typeof block.content === 'string' ? block.content : JSON.stringify(block.content);
    if (block.type === 'text') return String(block.text);
    return '';
  });
  const joined = parts.filter(Boolean).join('\n');
  return joined || (raw ? JSON.stringify(raw).slice(0, 400) : '');
}

export function AgentConsole({ agentId }: { agentId: string }) {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [error, setError] = useState<ApiError | string>();
  const [loaded, setLoaded] = useState(false);
  const last = useRef(0);
  const busy = useRef(false);
  const again = useRef(false);
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);

  const fetchMore = useCallback(async () => {
    if (busy.current) {
      again.current = true;
      return;
    }
    busy.current = true;
    try {
      do {
        again.current = false;
        const page = await api.get<Row>(`/api/agents/${encodeURIComponent(agentId)}/conversation?after=${last.current}&limit=${PAGE}`);
        const fresh = arr(page, 'entries').map((r) => toEntry(r as Row)).filter((e) => e.seq > last.current);
        if (fresh.length > 0) {
          last.current = Math.max(...fresh.map((e) => e.seq));
          setEntries((old) => [...old, ...fresh].slice(-KEEP));
        }
        if (fresh.length === PAGE) again.current = true;
      } while (again.current);
      setError(undefined);
    } catch (err) {
      setError(err instanceof ApiError ? err : describeError(err));
    } finally {
      busy.current = false;
      setLoaded(true);
    }
  }, [agentId]);

  useEffect(() => {
    void fetchMore();
  }, [fetchMore]);
  // Hosts append conversation entries in batches (agent.conversation_flush_ms), so the event
  // can arrive before its entry is readable: read now, and once more after each batch has
  // had time to land (trailing reads, reset by every new event — not a poll).
  const trailing = useRef<ReturnType<typeof setTimeout>[]>([]);
  useEventListener(['agent.output', 'agent.status'], (e) => {
    if (e.agentId !== agentId) return;
    void fetchMore();
    for (const t of trailing.current) clearTimeout(t);
    trailing.current = SETTLE_MS.map((ms) => setTimeout(() => void fetchMore(), ms));
  });
  useEffect(() => () => trailing.current.forEach(clearTimeout), []);
  useEffect(() => {
    if (stick.current && box.current) box.current.scrollTop = box.current.scrollHeight;
  }, [entries]);

  if (error instanceof ApiError && error.unavailable) return <Unavailable feature="The agent console" endpoint="GET /api/agents/:id/conversation" />;
  if (!loaded) return <Loading />;
  return (
    <>
      {error && <ErrorNote message={error instanceof ApiError ? error.message : error} />}
      <div
        className="nox-console"
        ref={box}
        tabIndex={0}
        role="log"
        aria-live="polite"
        aria-label={`Conversation of ${agentId}`}
        data-testid="agent-console"
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollTop + el.clientHeight >= el.scrollHeight - 20;
        }}
      >
        {entries.length === 0 && <div className="nox-muted">Nothing said yet.</div>}
        {entries.map((e) => (
          <div key={e.seq} className={`line kind-${e.kind}`}>
            <span className="kind">{e.kind}</span>
            {describe(e)}
          </div>
        ))}
      </div>
    </>
  );
}
