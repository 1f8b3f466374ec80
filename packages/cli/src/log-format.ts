/**
 * The server terminal's log format. `pretty` (the default) turns pino's JSON lines into one readable line each —
 * time, level when it is not info, message, and the request or error it is about; `json` leaves pino's lines as
 * they are, for those who ship logs. Ours, a few lines, rather than another dependency.
 */
export type LogFormat = 'pretty' | 'json';

export const LOG_FORMATS: readonly LogFormat[] = ['pretty', 'json'];

const LEVELS: Readonly<Record<number, string>> = {
  10: 'trace',
  20: 'debug',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

interface PinoLine {
  level?: number;
  time?: number;
  msg?: string;
  req?: { method?: string; url?: string };
  res?: { statusCode?: number };
  responseTime?: number;
  err?: { message?: string; type?: string };
}

/** One pino JSON line as a human line (a line that is not JSON passes through). */
export function prettyLine(json: string): string {
  let line: PinoLine;
  try {
    line = JSON.parse(json) as PinoLine;
  } catch {
    return json.trimEnd();
  }
  const time = new Date(line.time ?? Date.now()).toTimeString().slice(0, 8);
  const level = LEVELS[line.level ?? 30];
  const parts = [time, ...(level === undefined ? [] : [level.toUpperCase()]), line.msg ?? ''];
  if (line.req?.method !== undefined) parts.push(`${line.req.method} ${line.req.url ?? ''}`);
  if (line.res?.statusCode !== undefined) parts.push(`→ ${line.res.statusCode}`);
  if (line.responseTime !== undefined) parts.push(`${Math.round(line.responseTime)} ms`);
  if (line.err?.message !== undefined) parts.push(`: ${line.err.type ?? 'Error'}: ${line.err.message}`);
  return parts.join(' ');
}

/** A pino destination for the chosen format. */
export function logDestination(format: LogFormat, out: NodeJS.WritableStream): { write(line: string): void } {
  if (format === 'json') return { write: (line) => void out.write(line) };
  return { write: (line) => void out.write(`${prettyLine(line)}\n`) };
}

/** Per-request lines come back with debug (or finer) levels, and with JSON logs meant for a log pipeline. */
export function wantsRequestLines(level: string, format: LogFormat): boolean {
  return format === 'json' || level === 'debug' || level === 'trace';
}
