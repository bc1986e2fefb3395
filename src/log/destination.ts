/**
 * Where pino's lines go: always stderr (stdout carries a command's own output: the `latchkey up`
 * banner, --json objects), as one JSON object per line when stderr is a file or a pipe (for log
 * collectors) and as readable lines on a terminal:
 *   `05:42:01.123 INFO  latchkey API listening url=http://127.0.0.1:3000`
 * `LATCHKEY_LOG_FORMAT=json|pretty` overrides the choice. Redaction (src/server/http/redact.ts)
 * happens in pino's streamWrite hook, before a line reaches this stream, so both forms are scrubbed.
 */
import pino, { type DestinationStream } from 'pino';

export type LogFormat = 'json' | 'pretty';

const levelNames: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' };
const hiddenKeys = new Set(['level', 'time', 'pid', 'hostname', 'msg', 'v']);

export function logFormatOf(env: NodeJS.ProcessEnv = process.env, isTty = process.stderr.isTTY === true): LogFormat {
  const forced = env['LATCHKEY_LOG_FORMAT'];
  if (forced === 'json' || forced === 'pretty') return forced;
  return isTty ? 'pretty' : 'json';
}

function renderValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** One pino JSON line as a readable line (an error's stack on the lines below); a non-JSON line passes as it is. */
export function prettyLogLine(line: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(line);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return line.endsWith('\n') ? line : `${line}\n`;
    record = parsed as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const time = typeof record['time'] === 'number' ? new Date(record['time']).toISOString().slice(11, 23) : '--:--:--.---';
  const level = (levelNames[record['level'] as number] ?? String(record['level'])).padEnd(5);
  const fields: string[] = [];
  let stack: string | undefined;
  for (const [key, value] of Object.entries(record)) {
    if (hiddenKeys.has(key)) continue;
    if (key === 'err' && typeof value === 'object' && value !== null && typeof (value as { stack?: unknown }).stack === 'string') {
      stack = (value as { stack: string }).stack;
      continue;
    }
    fields.push(`${key}=${renderValue(value)}`);
  }
  const message = typeof record['msg'] === 'string' ? record['msg'] : '';
  const head = [time, level, message, ...fields].filter((part) => part !== '').join(' ');
  return `${head}\n${stack === undefined ? '' : `${stack.replace(/^/gm, '    ')}\n`}`;
}

/** A pino destination on stderr (fd 2) in the given format. */
export function stderrLogDestination(format: LogFormat = logFormatOf()): DestinationStream {
  const sink = pino.destination({ fd: 2, sync: true });
  if (format === 'json') return sink;
  return {
    write(chunk: string): void {
      let out = '';
      for (const line of chunk.split('\n')) if (line !== '') out += prettyLogLine(line);
      sink.write(out);
    },
  };
}
