import winston from 'winston';

/**
 * How log lines look (issue 18, item 1): JSON for machines (files, pipes, log shippers), or
 * one coloured line per entry for a person at a terminal — time, level, component, message
 * and the fields that say which agent, host, job or request it is about. `LOG_FORMAT`
 * chooses; without it, pretty exactly when stderr is a TTY.
 */
export type LogFormat = 'json' | 'pretty';

export function logFormatOf(env: NodeJS.ProcessEnv, stderrIsTty: boolean): LogFormat {
  const asked = env.LOG_FORMAT?.trim().toLowerCase();
  if (asked === 'json' || asked === 'pretty') return asked;
  return stderrIsTty ? 'pretty' : 'json';
}

const COLOUR: Record<string, string> = { error: '31', warn: '33', info: '32', http: '36', verbose: '36', debug: '90', silly: '90' };
const paint = (code: string, text: string): string => `\x1b[${code}m${text}\x1b[0m`;

/** Fields that every line has or that the line shows elsewhere. */
const HIDDEN = new Set(['level', 'message', 'timestamp', 'service', 'component', 'role', 'stack', 'errorName']);
/** Shown first, in this order: who and what the line is about. */
const FIRST = ['agentId', 'hostId', 'queue', 'jobId', 'correlationId', 'reason', 'error'];

function fieldText(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) ? JSON.stringify(value) : value;
  if (value instanceof Error) return JSON.stringify(value.message);
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

export function prettyLine(info: Record<string, unknown>): string {
  const level = String(info.level ?? 'info');
  const time = typeof info.timestamp === 'string' ? info.timestamp.slice(11, 23) : new Date().toISOString().slice(11, 23);
  const component = info.component ?? info.role;
  const keys = Object.keys(info).filter((k) => !HIDDEN.has(k) && info[k] !== undefined);
  const ordered = [...FIRST.filter((k) => keys.includes(k)), ...keys.filter((k) => !FIRST.includes(k))];
  const fields = ordered.map((k) => `${paint('90', `${k}=`)}${fieldText(info[k])}`).join(' ');
  const head = `${paint('90', time)} ${paint(COLOUR[level] ?? '0', level.toUpperCase().padEnd(5))}${component ? ` ${paint('35', String(component))}` : ''}`;
  // a stack only where something is wrong in Nox itself; expected conditions log none
  const stack = level === 'error' && typeof info.stack === 'string' ? `\n${paint('90', info.stack)}` : '';
  return `${head} ${String(info.message ?? '')}${fields ? ` ${fields}` : ''}${stack}`;
}

export function logFormat(format: LogFormat): winston.Logform.Format {
  const common = [winston.format.timestamp(), winston.format.errors({ stack: true })];
  if (format === 'json') return winston.format.combine(...common, winston.format.json());
  return winston.format.combine(
    ...common,
    winston.format.printf((info) => prettyLine(info as Record<string, unknown>)),
  );
}
