import { fmtUsd } from '../lib/fields';

/**
 * Cost per day as SVG bars, drawn here: a chart library would outweigh the page. Each
 * bar carries a <title> (the browser's tooltip) with its day and cost; the chart has a
 * title and description for screen readers, and the same figures are in a table beside it.
 */
export interface DayCost {
  day: string;
  costUsd: number;
  turns: number;
}

const W = 720;
const H = 220;
const PAD = { left: 56, right: 8, top: 12, bottom: 36 };

export function CostChart({ days }: { days: DayCost[] }) {
  const max = Math.max(...days.map((d) => d.costUsd), 0);
  // a round top for the scale, so the axis labels read well
  const top = max > 0 ? niceCeil(max) : 1;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const slot = days.length > 0 ? plotW / days.length : plotW;
  const barW = Math.max(1, Math.min(40, slot * 0.7));
  const ticks = [0, top / 2, top];
  // label at most ~8 days on the x axis, counted back from the last so today is always labelled
  const every = Math.max(1, Math.ceil(days.length / 8));
  const total = days.reduce((a, d) => a + d.costUsd, 0);
  return (
    <svg className="nox-cost-chart" viewBox={`0 0 ${W} ${H}`} width="100%" role="img" aria-labelledby="cost-chart-title cost-chart-desc" data-testid="cost-chart">
      <title id="cost-chart-title">Cost per day</title>
      <desc id="cost-chart-desc">
        {`${days.length} days from ${days[0]?.day ?? '—'} to ${days.at(-1)?.day ?? '—'}, ${fmtUsd(total)} in all, the most on one day ${fmtUsd(max)}.`}
      </desc>
      {ticks.map((t) => {
        const y = PAD.top + plotH - (t / top) * plotH;
        return (
          <g key={t} className="nox-chart-axis">
            <line x1={PAD.left} x2={W - PAD.right} y1={y} y2={y} className="nox-chart-grid" />
            <text x={PAD.left - 6} y={y + 4} textAnchor="end">
              {fmtAxis(t)}
            </text>
          </g>
        );
      })}
      {days.map((d, i) => {
        const h = (d.costUsd / top) * plotH;
        const x = PAD.left + i * slot + (slot - barW) / 2;
        return (
          <g key={d.day}>
            <rect
              className="nox-chart-bar"
              x={x}
              y={PAD.top + plotH - h}
              width={barW}
              height={h}
              data-day={d.day}
              data-cost={d.costUsd}
            >
              <title>{`${d.day}: ${fmtUsd(d.costUsd)}, ${d.turns} turns`}</title>
            </rect>
            {(days.length - 1 - i) % every === 0 ? (
              <text className="nox-chart-axis" x={PAD.left + i * slot + slot / 2} y={H - PAD.bottom + 16} textAnchor="middle">
                {d.day.slice(5)}
              </text>
            ) : null}
          </g>
        );
      })}
      <line x1={PAD.left} x2={W - PAD.right} y1={PAD.top + plotH} y2={PAD.top + plotH} className="nox-chart-baseline" />
      <text className="nox-chart-axis" x={PAD.left + plotW / 2} y={H - 4} textAnchor="middle">
        day (UTC)
      </text>
      <text className="nox-chart-axis" x={12} y={PAD.top + plotH / 2} textAnchor="middle" transform={`rotate(-90 12 ${PAD.top + plotH / 2})`}>
        USD
      </text>
    </svg>
  );
}

/** the top of the scale: the smallest 1, 2, 2.5, 5 × 10ⁿ at or above the largest day */
export function niceCeil(max: number): number {
  const p = 10 ** Math.floor(Math.log10(max));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= max) return m * p;
  return 10 * p;
}

function fmtAxis(v: number): string {
  if (v === 0) return '$0';
  return v < 0.01 ? `$${v.toPrecision(2)}` : v < 1 ? `$${v.toFixed(3).replace(/0+$/, '')}` : `$${v.toFixed(v < 10 ? 1 : 0)}`;
}
