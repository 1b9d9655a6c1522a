import { useResource } from '../api/use-resource';
import type { Health, HostInfo, Metrics } from '../api/types';
import { Link } from '../app/router';
import { EventLine } from '../components/EventLine';
import { PageHeader } from '../components/PageHeader';
import { ErrorNote, Loading, Unavailable } from '../components/ResourceGate';
import { Sparkline } from '../components/Sparkline';
import { StatusTag } from '../components/StatusTag';
import { useNow } from '../components/use-now';
import { fmtNumber, fmtUsd, num } from '../lib/fields';
import { buckets, countSince, isErrorEvent } from '../lib/rates';
import { useLive } from '../live/live-context';
import type { LiveEvent } from '../live/types';

/**
 * The fleet at a glance. Everything the stream carries (hosts, agents, messages, errors)
 * is refreshed by its events; queue counts, which no event carries, are re-read every
 * few seconds.
 *
 * At fleet size (issue 21) the events come in bursts — a host's metrics tick, many turns
 * ending together — so nothing here reads the whole agent list: the agents card reads the
 * list's counts by runtime status (`GET /api/agents?limit=1`: `total` and `counts`, a few
 * hundred bytes whatever the fleet), and every figure an event moves is refetched at most
 * once per FIGURES_THROTTLE_MS however many events arrive (test/dashboard/overview-burst.test.ts).
 */
const QUEUE_POLL_MS = 5000;
const FIGURES_THROTTLE_MS = 2000;
const isMessage = (e: LiveEvent) => e.type.startsWith('message.');

/** `GET /api/agents?limit=1`: the page is not used, its counts are (api/agents/agent-list.ts) */
interface AgentCounts {
  total: number;
  counts: Record<string, number>;
}

export function OverviewPage() {
  const live = useLive();
  const now = useNow(5000);
  const hosts = useResource<{ hosts: HostInfo[] }>('/api/system/hosts', { refreshOn: ['host.'], pollMs: QUEUE_POLL_MS });
  const health = useResource<Health>('/api/system/health', { refreshOn: ['host.', 'agent.status', 'task.', 'message.'], pollMs: QUEUE_POLL_MS, throttleMs: FIGURES_THROTTLE_MS });
  const metrics = useResource<Metrics>('/api/system/metrics', { refreshOn: ['host.', 'agent.status'], pollMs: QUEUE_POLL_MS, throttleMs: FIGURES_THROTTLE_MS });
  // the counts only: agent.output and agent.metrics (most of a busy fleet's events) change none of them
  const agents = useResource<AgentCounts>('/api/agents?limit=1', { refreshOn: ['agent.status', 'agent.created', 'agent.deleted'], throttleMs: FIGURES_THROTTLE_MS });
  const messagesProbe = useResource<unknown>('/api/messages?limit=1');

  const eventsPerMin = buckets(live.events, now, 30_000, 10, () => true);
  const messageSeries = buckets(live.events, now, 30_000, 10, isMessage);
  const errorsLast5 = countSince(live.events, now - 5 * 60_000, isErrorEvent);

  const queues = health.data?.queues ?? {};
  const total = (state: string) => Object.values(queues).reduce((n, c) => n + (c[state] ?? 0), 0);
  const failed = total('failed');
  const finished = failed + total('completed');

  const byStatus = Object.entries(agents.data?.counts ?? {}).sort((a, b) => b[1] - a[1]);
  const costToday = num(metrics.data, 'cost_today_usd', 'costTodayUsd');

  return (
    <section aria-labelledby="page-title">
      <PageHeader title="Overview" subtitle="The fleet, live." />
      {health.error && !health.data && <ErrorNote message={health.error.message} />}
      <div className="nox-grid">
        <div className="nox-card" data-testid="card-hosts">
          <h2>
            Hosts <Link to="/hosts">details</Link>
          </h2>
          {hosts.data ? (
            <>
              <div className="nox-stat">
                {hosts.data.hosts.filter((h) => h.alive).length} <small>alive of {hosts.data.hosts.length}</small>
              </div>
              <div className="nox-kv">
                <span>capacity {fmtNumber(metrics.data?.capacity.running)} / {fmtNumber(metrics.data?.capacity.total)} running</span>
                <span>system {health.data ? <StatusTag status={health.data.status} /> : '—'}</span>
              </div>
            </>
          ) : (
            <Loading />
          )}
        </div>

        <div className="nox-card" data-testid="card-agents">
          <h2>
            Agents <Link to="/agents">all</Link>
          </h2>
          {agents.unavailable ? (
            <Unavailable feature="Agents" endpoint="GET /api/agents" />
          ) : agents.data === undefined ? (
            agents.error ? <ErrorNote message={agents.error.message} /> : <Loading />
          ) : (
            <>
              <div className="nox-stat" data-testid="agents-total">
                {fmtNumber(agents.data.total)} <small>agents</small>
              </div>
              <div className="nox-kv">
                {byStatus.map(([s, n]) => (
                  <span key={s} data-testid={`agents-count-${s}`}>
                    <StatusTag status={s} /> {n}
                  </span>
                ))}
              </div>
            </>
          )}
        </div>

        <div className="nox-card" data-testid="card-queues">
          <h2>
            Queues <a href="/admin/queues" target="_blank" rel="noopener">bull-board</a>
          </h2>
          {metrics.data ? (
            <>
              <div className="nox-stat">
                {fmtNumber(metrics.data.queue_depth)} <small>waiting</small>
              </div>
              <div className="nox-kv">
                <span>{fmtNumber(metrics.data.jobs_active)} active</span>
                <span>{fmtNumber(metrics.data.jobs_failed)} failed</span>
              </div>
            </>
          ) : (
            <Loading />
          )}
        </div>

        <div className="nox-card" data-testid="card-errors">
          <h2>Error rate</h2>
          {health.data ? (
            <>
              <div className="nox-stat">
                {finished > 0 ? `${((failed / finished) * 100).toFixed(1)}%` : '0%'} <small>of recent jobs failed</small>
              </div>
              <div className="nox-kv">
                <span>{fmtNumber(failed)} failed / {fmtNumber(finished)} finished jobs kept</span>
                <span>{errorsLast5} error events in 5 min</span>
              </div>
            </>
          ) : (
            <Loading />
          )}
        </div>

        <div className="nox-card" data-testid="card-messages">
          <h2>Messages / min</h2>
          {messagesProbe.unavailable ? (
            <Unavailable feature="Messaging" endpoint="GET /api/messages" />
          ) : (
            <>
              <div className="nox-stat">{countSince(live.events, now - 60_000, isMessage)}</div>
              <Sparkline values={messageSeries} label="messages per 30 s over 5 min" width={180} height={32} fluid />
            </>
          )}
        </div>

        <div className="nox-card" data-testid="card-cost">
          <h2>
            Cost <Link to="/costs">over time</Link>
          </h2>
          {costToday !== undefined ? (
            <div className="nox-stat">
              {fmtUsd(costToday)} <small>today</small>
            </div>
          ) : metrics.data === undefined && !metrics.error ? (
            <Loading />
          ) : (
            <div className="nox-muted">No cost reported yet.</div>
          )}
        </div>
      </div>

      <div className="nox-grid-2">
        <div className="nox-card">
          <h2>
            Events <span className="nox-muted">{eventsPerMin.reduce((a, b) => a + b, 0)} in 5 min</span>
          </h2>
          <Sparkline values={eventsPerMin} label="events per 30 s over 5 min" width={360} height={48} fluid />
        </div>
        <div className="nox-card" data-testid="recent-events">
          <h2>
            Latest events <Link to="/events">feed</Link>
          </h2>
          {live.events.length === 0 ? (
            <p className="nox-muted">No events in the last minutes.</p>
          ) : (
            <ul className="nox-feed">
              {live.events.slice(0, 8).map((e) => (
                <EventLine key={e.id ?? `${e.type}-${e.at}`} event={e} />
              ))}
            </ul>
          )}
        </div>
      </div>
    </section>
  );
}
