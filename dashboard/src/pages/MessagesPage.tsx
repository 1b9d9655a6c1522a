import { Button } from 'primereact/button';
import { Dialog } from 'primereact/dialog';
import { Dropdown } from 'primereact/dropdown';
import { InputText } from 'primereact/inputtext';
import { InputTextarea } from 'primereact/inputtextarea';
import { Tag } from 'primereact/tag';
import { useState, type FormEvent } from 'react';
import { api } from '../api/client';
import { describeError } from '../api/problem';
import { useResource } from '../api/use-resource';
import { Link } from '../app/router';
import { useSession } from '../auth/session';
import { PageHeader } from '../components/PageHeader';
import { ErrorNote, ResourceGate } from '../components/ResourceGate';
import { useNotify } from '../components/toast';
import { str, timeText, type Row } from '../lib/fields';
import { useOlderPages } from '../lib/use-older-pages';

/**
 * Messages between agents and people (issue 5: GET/POST /api/messages), newest first.
 * Each `message.*` event refetches the first page, so the feed is live without polling;
 * "Older messages" follows the log's cursor (issue 21).
 */
const PRIORITIES = ['critical', 'high', 'normal', 'low'];
const PAGE_SIZE = 100;

const AGENT_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;
const TOPIC = /^[a-z0-9][a-z0-9._-]{0,62}$/;

/** Filters go to the API only once they are well-formed: a half-typed id is not an error to show. */
function query(agent: string, topic: string, limit: number): string {
  const q = new URLSearchParams({ limit: String(limit) });
  if (AGENT_ID.test(agent)) q.set('agent', agent);
  if (TOPIC.test(topic.replace(/^topic:/, ''))) q.set('topic', topic.replace(/^topic:/, ''));
  return `/api/messages?${q}`;
}

export function MessagesPage() {
  const [agent, setAgent] = useState('');
  const [topic, setTopic] = useState('');
  // the page size can be set with ?limit= (tests, and people who want more at once)
  const pageSize = Number(new URLSearchParams(location.search).get('limit')) || PAGE_SIZE;
  const path = query(agent.trim(), topic.trim(), pageSize);
  const messages = useResource<unknown>(path, { refreshOn: ['message.'] });
  const pages = useOlderPages(path, messages.data, 'messages');
  const { canOperate } = useSession();
  const [sending, setSending] = useState(false);
  const sorted = [...pages.items].sort((a, b) => (str(b, 'timestamp', 'at', 'created_at') ?? '').localeCompare(str(a, 'timestamp', 'at', 'created_at') ?? ''));

  return (
    <section>
      <PageHeader
        title="Messages"
        subtitle="What agents and people say to each other, live."
        actions={<Button label="Send message" icon="pi pi-send" onClick={() => setSending(true)} disabled={!canOperate || messages.unavailable} data-testid="send-open" />}
      />
      <SendDialog visible={sending} onHide={() => setSending(false)} onSent={() => setSending(false)} />
      <div className="nox-toolbar">
        <label htmlFor="msg-agent" className="nox-muted">
          Agent
        </label>
        <InputText id="msg-agent" value={agent} onChange={(e) => setAgent(e.target.value)} placeholder="any" />
        <label htmlFor="msg-topic" className="nox-muted">
          Topic
        </label>
        <InputText id="msg-topic" value={topic} onChange={(e) => setTopic(e.target.value)} placeholder="any" />
      </div>
      <div className="nox-card">
        <ResourceGate resource={messages} feature="Messaging" endpoint="GET /api/messages">
          {() =>
            sorted.length === 0 ? (
              <p className="nox-muted">No messages yet.</p>
            ) : (
              <>
                <ul className="nox-feed" data-testid="message-feed">
                  {sorted.map((m) => (
                    <MessageLine key={str(m, 'id') ?? JSON.stringify(m)} message={m} />
                  ))}
                </ul>
                {pages.error && <ErrorNote message={pages.error} />}
                <div className="nox-toolbar nox-audit-more">
                  <span className="nox-muted" data-testid="messages-count">
                    {sorted.length} shown{pages.hasOlder ? '' : ', no older ones'}
                  </span>
                  {pages.hasOlder && <Button label="Older messages" icon="pi pi-angle-down" text loading={pages.busy} onClick={pages.loadOlder} data-testid="messages-older" />}
                </div>
              </>
            )
          }
        </ResourceGate>
      </div>
    </section>
  );
}

function who(value: string | undefined) {
  if (!value) return <span className="nox-muted">?</span>;
  const agent = /^agent:(.+)$/.exec(value)?.[1] ?? (/^[a-z0-9][a-z0-9-]*$/.test(value) && value !== 'all' ? value : undefined);
  return agent ? <Link to={`/agents/${encodeURIComponent(agent)}`}>{value}</Link> : <span>{value}</span>;
}

function MessageLine({ message: m }: { message: Row }) {
  const to = str(m, 'to', 'recipient') ?? (Array.isArray(m.to) ? (m.to as string[]).join(', ') : undefined);
  const priority = str(m, 'priority');
  return (
    <li data-testid="message">
      <time className="nox-muted">{timeText(str(m, 'timestamp', 'at', 'created_at'))}</time>
      <span className="type">
        {who(str(m, 'from', 'sender'))} → {who(to)}
      </span>
      <span className="subject">
        {str(m, 'message_type', 'type') && <Tag value={str(m, 'message_type', 'type')} severity="secondary" />}{' '}
        {priority && priority !== 'normal' && <Tag value={priority} severity={priority === 'critical' ? 'danger' : priority === 'high' ? 'warning' : null} />}{' '}
        {str(m, 'content', 'text')}
      </span>
    </li>
  );
}

function SendDialog({ visible, onHide, onSent }: { visible: boolean; onHide(): void; onSent(): void }) {
  const notify = useNotify();
  const [to, setTo] = useState('');
  const [content, setContent] = useState('');
  const [priority, setPriority] = useState('normal');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.post('/api/messages', { to: to.trim(), content, priority });
      notify.ok(`Message sent to ${to}`);
      setContent('');
      onSent();
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Dialog header="Send a message" visible={visible} onHide={onHide} style={{ width: 'min(34rem, 95vw)' }} modal>
      <form className="nox-form" onSubmit={(e) => void submit(e)} data-testid="send-form">
        {error && <ErrorNote message={error} />}
        <div>
          <label htmlFor="send-to">To</label>
          <InputText id="send-to" value={to} onChange={(e) => setTo(e.target.value)} placeholder="an agent id, `all`, or a topic" required autoFocus />
        </div>
        <div>
          <label htmlFor="send-content">Message</label>
          <InputTextarea id="send-content" value={content} onChange={(e) => setContent(e.target.value)} rows={4} autoResize required />
        </div>
        <div>
          <label htmlFor="send-priority">Priority</label>
          <Dropdown inputId="send-priority" value={priority} options={PRIORITIES} onChange={(e) => setPriority(e.value as string)} />
        </div>
        <div className="nox-actions">
          <Button type="submit" label="Send" icon="pi pi-send" loading={busy} disabled={!to.trim() || !content.trim()} />
          <Button type="button" label="Cancel" outlined onClick={onHide} />
        </div>
      </form>
    </Dialog>
  );
}
