import { Button } from 'primereact/button';
import { InputText } from 'primereact/inputtext';
import { Message } from 'primereact/message';
import { useState } from 'react';
import { EventLine } from '../components/EventLine';
import { PageHeader } from '../components/PageHeader';
import { HISTORY_MS } from '../live/event-store';
import { useLive } from '../live/live-context';
import type { LiveEvent } from '../live/types';

/** Every domain event as it arrives, filterable; "pause" freezes the view, not the stream. */
export function EventsPage() {
  const live = useLive();
  const [filter, setFilter] = useState('');
  const [frozen, setFrozen] = useState<LiveEvent[]>();
  const source = frozen ?? live.events;
  const needle = filter.trim().toLowerCase();
  const shown = needle
    ? source.filter((e) => [e.type, e.agentId, e.taskId, e.hostId, e.correlationId].some((v) => v?.toLowerCase().includes(needle)))
    : source;

  return (
    <section>
      <PageHeader
        title="Live events"
        subtitle={`Domain events from the stream, newest first (the last ${HISTORY_MS / 60_000} minutes at load, then live).`}
        actions={
          <Button
            label={frozen ? `Resume (${live.events.length - frozen.length} new)` : 'Pause'}
            icon={frozen ? 'pi pi-play' : 'pi pi-pause'}
            outlined
            onClick={() => setFrozen(frozen ? undefined : live.events)}
          />
        }
      />
      {live.notice && <Message severity="warn" text={live.notice} className="nox-block-message" />}
      <div className="nox-toolbar">
        <label htmlFor="event-filter" className="nox-muted">
          Filter
        </label>
        <InputText id="event-filter" className="nox-filter" value={filter} onChange={(e) => setFilter(e.target.value)} placeholder="type, agent, task, host, correlation id" />
        <span className="nox-muted" aria-live="polite">
          {shown.length} shown
        </span>
      </div>
      <div className="nox-card">
        {shown.length === 0 ? (
          <p className="nox-muted">No events yet. Anything that happens in the fleet appears here as it happens.</p>
        ) : (
          <ul className="nox-feed" data-testid="event-feed">
            {shown.slice(0, 500).map((e) => (
              <EventLine key={e.id ?? `${e.type}-${e.at}`} event={e} showData />
            ))}
          </ul>
        )}
      </div>
    </section>
  );
}
