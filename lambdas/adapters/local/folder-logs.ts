import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { type LogEvent, type LogFetch, type LogQuery, type LogSource, UnknownLogSourceError } from '../../ports/logs';

/** Options of {@link FolderLogSource}. */
export interface FolderLogSourceOptions {
  /** Folder holding `<service>.log` / `<service>.jsonl` files or `<service>/` folders of them. */
  readonly dir: string;
  /**
   * Replay mode for sample logs: each file's timestamps are shifted so that its last event lands at the query's end.
   * Sample incidents then always find "recent" logs. Off for real log folders. @default false
   */
  readonly replay?: boolean;
}

const LOG_EXTENSIONS = new Set(['.log', '.txt', '.jsonl', '.json']);
/** A line that opens an event: an ISO-8601-ish timestamp first (optionally in brackets). */
const LEADING_TIME = /^\[?(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}:\d{2}(?:[.,]\d+)?(?:Z|[+-]\d{2}:?\d{2})?)\]?\s*/;

interface ParsedEvent {
  time: number;
  message: string;
  stream: string;
}

function parseTime(text: string): number {
  const normalized = text.replace(' ', 'T').replace(',', '.');
  const withZone = /(Z|[+-]\d{2}:?\d{2})$/.test(normalized) ? normalized : `${normalized}Z`;
  return Date.parse(withZone);
}

/**
 * Parses a log file: JSON lines (`timestamp`/`time`/`@timestamp`/`ts` and `message`/`msg`/`log`, plus `level`), or
 * text lines that start with a timestamp. A line without a timestamp continues the previous event, which keeps a
 * stack trace together with the error that printed it.
 */
export function parseLogText(text: string, stream: string): ParsedEvent[] {
  const events: ParsedEvent[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    if (line.startsWith('{')) {
      try {
        const record = JSON.parse(line) as Record<string, unknown>;
        const rawTime = record.timestamp ?? record.time ?? record['@timestamp'] ?? record.ts;
        const time =
          typeof rawTime === 'number' ? (rawTime < 1e12 ? rawTime * 1000 : rawTime) : parseTime(String(rawTime ?? ''));
        const body = String(record.message ?? record.msg ?? record.log ?? '');
        const level = record.level ?? record.severity;
        if (!Number.isNaN(time)) {
          events.push({ time, message: level ? `${String(level).toUpperCase()} ${body}` : body, stream });
          continue;
        }
      } catch {
        // Not JSON after all: treated as text below.
      }
    }
    const match = LEADING_TIME.exec(line);
    const time = match ? parseTime(match[1]!) : Number.NaN;
    if (match && !Number.isNaN(time)) {
      events.push({ time, message: line.slice(match[0].length), stream });
    } else if (events.length > 0) {
      const last = events[events.length - 1]!;
      last.message = `${last.message}\n${line}`;
    }
  }
  return events;
}

/** Service names become file names: keep them from walking out of the folder. */
const safeName = (service: string) =>
  service
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^\.+/, '');

/**
 * {@link LogSource} over a folder of log files, the local stand-in for CloudWatch Logs Insights. A service's logs are
 * `<dir>/<service>.<ext>` and every file under `<dir>/<service>/`.
 */
export class FolderLogSource implements LogSource {
  constructor(private readonly options: FolderLogSourceOptions) {}

  private async filesOf(service: string): Promise<string[]> {
    const name = safeName(service);
    if (!name) return [];
    const entries = await readdir(this.options.dir, { withFileTypes: true }).catch(() => []);
    const files: string[] = [];
    for (const entry of entries) {
      const path = join(this.options.dir, entry.name);
      const stem = entry.name.slice(0, entry.name.length - extname(entry.name).length).toLowerCase();
      if (entry.isFile() && stem === name && LOG_EXTENSIONS.has(extname(entry.name).toLowerCase())) files.push(path);
      if (entry.isDirectory() && entry.name.toLowerCase() === name) {
        for (const inner of await readdir(path, { withFileTypes: true })) {
          if (inner.isFile() && LOG_EXTENSIONS.has(extname(inner.name).toLowerCase()))
            files.push(join(path, inner.name));
        }
      }
    }
    return files.sort();
  }

  async fetch(query: LogQuery): Promise<LogFetch> {
    const files = await this.filesOf(query.service);
    if (files.length === 0)
      throw new UnknownLogSourceError(`no log files for service '${query.service}' in ${this.options.dir}`);
    const start = query.start.getTime();
    const end = query.end.getTime();
    const events: ParsedEvent[] = [];
    for (const file of files) {
      if (!(await stat(file)).isFile()) continue;
      const parsed = parseLogText(await readFile(file, 'utf8'), file.slice(this.options.dir.length + 1));
      const shift = this.options.replay && parsed.length > 0 ? end - Math.max(...parsed.map((e) => e.time)) : 0;
      for (const event of parsed) {
        const time = event.time + shift;
        if (time >= start && time <= end) events.push({ ...event, time });
      }
    }
    events.sort((a, b) => a.time - b.time);
    const limit = query.limit ?? 10_000;
    const kept = events.length > limit ? events.slice(events.length - limit) : events;
    return {
      events: kept.map(
        (e): LogEvent => ({ timestamp: new Date(e.time).toISOString(), message: e.message, stream: e.stream }),
      ),
      sources: files,
      truncated: events.length > limit,
    };
  }
}
