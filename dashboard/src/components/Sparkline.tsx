/**
 * A tiny inline SVG line for a series of samples (CPU, memory, event rates): a chart
 * library would be heavier than the whole table it sits in.
 */
export function Sparkline({
  values,
  width = 96,
  height = 24,
  max,
  label,
  fluid = false,
}: {
  values: number[];
  width?: number;
  height?: number;
  /** fixed top of the scale (100 for percentages); default the series' own maximum */
  max?: number;
  label: string;
  /** stretch to the container's width */
  fluid?: boolean;
}) {
  const last = values.at(-1);
  if (values.length === 0) {
    return (
      <span className="nox-muted" aria-label={`${label}: no samples yet`}>
        —
      </span>
    );
  }
  const top = max ?? Math.max(...values, 1e-9);
  const step = values.length > 1 ? width / (values.length - 1) : 0;
  const y = (v: number) => height - 2 - (Math.min(v, top) / top) * (height - 4);
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
  return (
    <svg
      className="nox-sparkline"
      width={fluid ? '100%' : width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      preserveAspectRatio={fluid ? 'none' : undefined}
      role="img"
      aria-label={`${label}: latest ${last?.toFixed(1)}, ${values.length} samples`}
    >
      <polyline points={values.length > 1 ? points : `0,${y(values[0] as number)} ${width},${y(values[0] as number)}`} fill="none" stroke="currentColor" strokeWidth="1.5" vectorEffect="non-scaling-stroke" />
    </svg>
  );
}
