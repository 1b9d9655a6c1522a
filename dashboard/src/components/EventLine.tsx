import { Link } from '../app/router';
import { timeText } from '../lib/fields';
import type { LiveEvent } from '../live/types';

/** One event in a feed: time, type, what it is about, and (optionally) its data. */
export function EventLine({ event, showData = false }: { event: LiveEvent; showData?: boolean }) {
  return (
    <li data-type={event.type} data-testid="event">
      <time dateTime={event.at} className="nox-muted">
        {timeText(event.at)}
      </time>
      <span className="type">{event.type}</span>
      <span className="subject">
        {event.agentId && (
          <>
            agent <Link to={`/agents/${encodeURIComponent(event.agentId)}`}>{event.agentId}</Link>{' '}
          </>
        )}
        {event.taskId && <>task {event.taskId} </>}
        {event.hostId && <>host {event.hostId} </>}
        {event.correlationId && <span className="nox-muted">corr {event.correlationId.slice(0, 8)} </span>}
        {showData && event.data !== undefined && (
          <details>
            <summary>data</summary>
            <pre className="nox-json">{JSON.stringify(event.data, null, 2)}</pre>
          </details>
        )}
      </span>
    </li>
  );
}
