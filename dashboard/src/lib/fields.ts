/**
 * Tolerant readers for API answers. The agents, tasks, messages, approvals and registry
 * APIs are built alongside the dashboard; their list answers may be a bare array or an
 * object holding one (`{ agents: [...] }`, `{ items: [...] }`), and a figure may sit under
 * one of a few names. These read whichever is present and never invent a value: a
 * missing figure stays undefined and the page shows "—".
 */
export type Row = Record<string, unknown>;

export function listFrom(data: unknown, ...keys: string[]): Row[] {
  if (Array.isArray(data)) return data as Row[];
  if (data && typeof data === 'object') {
    for (const key of [...keys, 'items', 'data', 'results']) {
      const value = (data as Row)[key];
      if (Array.isArray(value)) return value as Row[];
    }
  }
  return [];
}

/** Reads `a.b.c`-style paths, first present wins. */
function at(row: unknown, path: string): unknown {
  let value: unknown = row;
  for (const part of path.split('.')) {
    if (!value || typeof value !== 'object') return undefined;
    value = (value as Row)[part];
  }
  return value;
}

export function num(row: unknown, ...paths: string[]): number | undefined {
  for (const p of paths) {
    const v = at(row, p);
    if (typeof v === 'number' && Number.isFinite(v)) return v;
    if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  }
  return undefined;
}

export function str(row: unknown, ...paths: string[]): string | undefined {
  for (const p of paths) {
    const v = at(row, p);
    if (typeof v === 'string' && v !== '') return v;
    if (typeof v === 'number') return String(v);
  }
  return undefined;
}

export function arr(row: unknown, ...paths: string[]): unknown[] {
  for (const p of paths) {
    const v = at(row, p);
    if (Array.isArray(v)) return v;
  }
  return [];
}

export function fmtNumber(n: number | undefined, digits = 0): string {
  return n === undefined ? '—' : n.toLocaleString(undefined, { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function fmtUsd(n: number | undefined): string {
  return n === undefined ? '—' : `$${n.toFixed(n < 1 ? 4 : 2)}`;
}

export function fmtBytesMb(n: number | undefined): string {
  return n === undefined ? '—' : `${n.toFixed(n < 10 ? 1 : 0)} MB`;
}

export function ageText(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${m % 60}m`;
  return `${Math.floor(h / 24)}d`;
}

export function timeText(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString();
}

export function dateTimeText(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
