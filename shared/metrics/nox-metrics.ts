import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { METRIC, type MetricDef, type MetricKind } from './catalogue.js';

/**
 * One process's Prometheus metrics (prom-client): a registry of its own per context — never
 * prom-client's global one, so the several contexts a test or bench runs in one process
 * never share counters — and the catalogue's instruments, each made when first used, so a
 * process exports only what it measures.
 *
 *   ctx.metrics.counter(METRIC.messagesDelivered).inc({ priority: 'high' });
 *   const text = await ctx.metrics.scrape();
 */
type Instrument<K extends MetricKind> = K extends 'counter' ? Counter : K extends 'gauge' ? Gauge : Histogram;

export interface NoxMetrics {
  readonly registry: Registry;
  counter(def: MetricDef<'counter'>): Counter;
  gauge(def: MetricDef<'gauge'>): Gauge;
  histogram(def: MetricDef<'histogram'>): Histogram;
  /**
   * A gauge whose value is read when scraped (`collect`): fleet-wide figures read from
   * Redis. Registered once per metric; a second call keeps the first reader.
   */
  gaugeFrom(def: MetricDef<'gauge'>, read: (gauge: Gauge) => Promise<void> | void): Gauge;
  /**
   * The `agent` label's value for an agent: its id, or `(all)` when `metrics.per_agent` is
   * off (a fleet whose Prometheus should not hold series per agent).
   */
  agentLabel(agentId: string): string;
  /** Prometheus's text exposition of everything this process measures (with process and Node.js defaults). */
  scrape(): Promise<string>;
  readonly contentType: string;
}

export function createMetrics(role: string, options: { perAgent?: boolean } = {}): NoxMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ nox_role: role });
  const perAgent = options.perAgent ?? true;
  const made = new Map<string, Counter | Gauge | Histogram>();
  let defaults = false;

  const make = <K extends MetricKind>(d: MetricDef<K>, extra: Record<string, unknown> = {}): Instrument<K> => {
    let m = made.get(d.name);
    if (!m) {
      const base = { name: d.name, help: d.help, labelNames: [...d.labels], registers: [registry], ...extra };
      m = d.kind === 'counter' ? new Counter(base) : d.kind === 'gauge' ? new Gauge(base) : new Histogram({ ...base, buckets: [...(d.buckets ?? [])] });
      made.set(d.name, m);
    }
    return m as Instrument<K>;
  };

  return {
    registry,
    counter: (d) => make(d),
    gauge: (d) => make(d),
    histogram: (d) => make(d),
    gaugeFrom(d, read) {
      return make(d, {
        async collect(this: Gauge) {
          await read(this);
        },
      });
    },
    agentLabel: (agentId) => (perAgent ? agentId : '(all)'),
    async scrape() {
      // process and Node.js metrics (CPU, memory, event loop lag, handles), made on the first
      // scrape: a process nobody scrapes pays nothing for them
      if (!defaults) {
        collectDefaultMetrics({ register: registry, prefix: 'nox_' });
        defaults = true;
      }
      return registry.metrics();
    },
    get contentType() {
      return registry.contentType;
    },
  };
}

/** The catalogue's names, for the docs check and for listings. */
export function catalogueNames(): string[] {
  return Object.values(METRIC).map((m) => m.name);
}
