import { TIMESTAMP_PATTERN } from './masking';

/**
 * Header detection: splits a raw log line into the fields a logging framework put in front of the message
 * (timestamp, level, process id, host, thread, component) and the message itself, so that a raw line is mined like
 * its message. Known layouts are recognised first (JSON lines, logfmt, RFC 5424 syslog); everything else goes
 * through a general reader that walks the start of the line field by field and stops where the message begins.
 */

/** What a header said; every field is optional because formats differ. */
export interface LogHeader {
  timestamp?: string;
  level?: string;
  host?: string;
  pid?: string;
  thread?: string;
  component?: string;
}

/** A raw line split into its header fields and its message. */
export interface ParsedLogLine {
  readonly header: LogHeader;
  /** The message: the whole line when no header was recognised. */
  readonly content: string;
}

const LEVEL_WORDS =
  'TRACE|DEBUG|DBG|FINE|FINER|FINEST|INFO|INFORMATION|NOTICE|WARN|WARNING|ERROR|ERR|SEVERE|CRIT|CRITICAL|FATAL|ALERT|EMERG|EMERGENCY|PANIC';
const LEVEL = new RegExp(`^(?:${LEVEL_WORDS})$`, 'i');
const TIMESTAMP_AT_START = new RegExp(`(?:${TIMESTAMP_PATTERN.source})(?=$|[\\s,|\\]\\-;]|:\\s)`, 'iy');
const EPOCH = /^\d{9,13}(?:\.\d+)?$/;
const CALENDAR_WORD = /^(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|mon|tue|wed|thu|fri|sat|sun)$/i;

type ItemKind = 'time' | 'level' | 'bracket' | 'prog' | 'num' | 'dash' | 'id' | 'word' | 'pri';

interface Item {
  kind: ItemKind;
  text: string;
  end: number;
  /** Two or more spaces, a tab, ` - ` or `|` follow: a column of a fixed layout ends here. */
  columnEnd: boolean;
  /** ` - ` follows: the separator many layouts put between header and message. */
  dashEnd: boolean;
  /** `|` follows: a field of a pipe-delimited header. */
  pipeEnd: boolean;
}

/** Balanced brackets, one level of nesting (`[QuorumPeer[myid=1]/0:2181]`). */
const BRACKET = /\[(?:[^[\]]|\[[^[\]]*\])*\]/y;
/**
 * A program or logger name closing the header with a colon: `sshd[24200]:`, `dfs.DataNode$PacketResponder:`, or
 * nginx's `pid#tid:`.
 */
const PROG = /(?:[A-Za-z_/][\w.$/@-]*(?:\([\w.-]+\))?(?:\[\d+\])?(?:\s\([^()\s]+\))?|\d+#\d+):(?=\s|$)/y;
const TOKEN = /\S+/y;

function sticky(pattern: RegExp, line: string, at: number): string | undefined {
  pattern.lastIndex = at;
  return pattern.exec(line)?.[0];
}

function makeItem(kind: ItemKind, text: string, line: string, at: number): Item {
  const end = at + text.length;
  const after = line.slice(end, end + 3);
  return {
    kind,
    text,
    end,
    columnEnd: /^(?: {2,}|\t| - |\s*\|)/.test(after),
    dashEnd: after === ' - ',
    pipeEnd: /^\s*\|/.test(after),
  };
}

const PRI = /<\d{1,3}>\d?/y;

function readItem(line: string, at: number): Item | undefined {
  const item = (kind: ItemKind, text: string) => makeItem(kind, text, line, at);
  if (at === 0 && sticky(PRI, line, 0)) return item('pri', line.slice(0, PRI.lastIndex));
  // The timestamp pattern is long: try it only where a timestamp can start (a digit, a month or a weekday).
  const code = line.charCodeAt(at);
  const time =
    (code >= 48 && code <= 57) || CALENDAR_WORD.test(line.slice(at, at + 3))
      ? sticky(TIMESTAMP_AT_START, line, at)
      : undefined;
  if (time) return item('time', time);
  const bracket = sticky(BRACKET, line, at);
  if (bracket) return item('bracket', bracket);
  const prog = sticky(PROG, line, at);
  const token = sticky(TOKEN, line, at);
  if (!token) return undefined;
  const bare = token.replace(/[:,|]+$/, '');
  if (LEVEL.test(bare)) return item('level', bare.length < token.length ? token.slice(0, bare.length + 1) : token);
  if (prog && prog.length >= token.length) return item('prog', prog);
  if (token === '-') return item('dash', token);
  if (/^\d+,?$/.test(token) || EPOCH.test(token)) return item('num', token);
  const field = token.replace(/\|.*$/, '');
  if (/\d/.test(field) && !/["'(){}]/.test(field)) return item('id', field);
  if (/^[A-Za-z][\w.$/-]*$/.test(field)) return item('word', field);
  return undefined;
}

/** Single-letter levels as Android's logcat and glog print them, valid only between numbers and a tag. */
const LETTER_LEVEL = /^[VDIWEFA]$/;

/**
 * Splits a raw line into header and message. The general reader takes fields while they look like header fields
 * (timestamps, levels, bracketed fields, numbers, ids with digits, a host or a component name) and ends the header
 * after the last field that only a header has: a timestamp, a level, a bracketed field after them, or a
 * `program[pid]:` / `logger:` name. A component right after the level (a dotted logger name or a fixed-width column)
 * and one bracketed context after that belong to it too. A line whose start has none of these keeps its whole text.
 */
export function parseLogLine(line: string): ParsedLogLine {
  const trimmed = line.trimEnd();
  return parseStructured(trimmed) ?? parseSyslog5424(trimmed) ?? parseCompact(trimmed) ?? parseGeneral(trimmed);
}

const LEVEL_PREFIX = new RegExp(`^(${LEVEL_WORDS}):([\\w.$-]+):(.*)$`);
const GLOG = /^([IWEF])(\d{4} \d{2}:\d{2}:\d{2}\.\d+)\s+(\d+) ([\w.-]+:\d+)\] ?(.*)$/;

/** Layouts with no spaces between their fields: Python's default `LEVEL:logger:message` and glog's `I1120 ...]`. */
function parseCompact(line: string): ParsedLogLine | undefined {
  const python = LEVEL_PREFIX.exec(line);
  if (python) return { header: { level: python[1]!, component: python[2]! }, content: python[3]!.trim() };
  const glog = GLOG.exec(line);
  if (glog) {
    const level = { I: 'INFO', W: 'WARNING', E: 'ERROR', F: 'FATAL' }[glog[1] as 'I' | 'W' | 'E' | 'F'];
    return { header: { level, timestamp: glog[2]!, pid: glog[3]!, component: glog[4]! }, content: glog[5]! };
  }
  return undefined;
}

const MESSAGE_KEYS = ['message', 'msg', 'log', '@message', 'text', 'event'];
const LEVEL_KEYS = ['level', 'severity', 'lvl', 'levelname', 'log.level', '@level'];
const TIME_KEYS = ['time', 'timestamp', '@timestamp', 'ts', 'datetime'];
const COMPONENT_KEYS = ['logger', 'logger_name', 'name', 'component', 'caller', 'module'];

function pick(record: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const value = record[key];
    if (typeof value === 'string' || typeof value === 'number') return String(value);
  }
  return undefined;
}

/** JSON lines and logfmt (`time=... level=error msg="..."`): the message field is the content. */
function parseStructured(line: string): ParsedLogLine | undefined {
  const start = line.indexOf('{');
  if (start >= 0 && line.endsWith('}') && /^\s*(?:\S+\s+){0,4}$/.test(line.slice(0, start) || ' ')) {
    try {
      const record = JSON.parse(line.slice(start)) as unknown;
      if (record && typeof record === 'object' && !Array.isArray(record)) {
        const fields = record as Record<string, unknown>;
        const content = pick(fields, MESSAGE_KEYS);
        if (content !== undefined) {
          const prefix = start > 0 ? parseGeneral(line.slice(0, start).trim()).header : {};
          return {
            header: clean({
              ...prefix,
              timestamp: pick(fields, TIME_KEYS) ?? prefix.timestamp,
              level: pick(fields, LEVEL_KEYS) ?? prefix.level,
              component: pick(fields, COMPONENT_KEYS) ?? prefix.component,
            }),
            content,
          };
        }
      }
    } catch {
      // Not JSON after all: read it as text.
    }
  }
  if (/(?:^|\s)(?:msg|message)=/.test(line) && /(?:^|\s)(?:level|lvl|time|ts)=/.test(line)) {
    const pairs = new Map<string, string>();
    for (const match of line.matchAll(/(?:^|\s)([\w.@-]+)=("(?:[^"\\]|\\.)*"|\S*)/g)) {
      const raw = match[2]!;
      pairs.set(match[1]!, raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw);
    }
    const record = Object.fromEntries(pairs);
    const content = pick(record, MESSAGE_KEYS);
    if (content !== undefined) {
      return {
        header: clean({
          timestamp: pick(record, TIME_KEYS),
          level: pick(record, LEVEL_KEYS),
          component: pick(record, COMPONENT_KEYS),
        }),
        content,
      };
    }
  }
  return undefined;
}

/** RFC 5424: `<PRI>1 TIMESTAMP HOST APP PROCID MSGID STRUCTURED-DATA MSG`. */
function parseSyslog5424(line: string): ParsedLogLine | undefined {
  const match =
    /^<\d{1,3}>1 (\S+) (\S+) (\S+) (\S+) (\S+) (-|(?:\[(?:[^\]"\\]|"(?:[^"\\]|\\.)*")*\])+)(?: (.*))?$/.exec(line);
  if (!match) return undefined;
  const nil = (value: string) => (value === '-' ? undefined : value);
  return {
    header: clean({
      timestamp: nil(match[1]!),
      host: nil(match[2]!),
      component: nil(match[3]!),
      pid: nil(match[4]!),
    }),
    content: (match[7] ?? '').replace(/^\uFEFF/, ''),
  };
}

function parseGeneral(line: string): ParsedLogLine {
  const items: Item[] = [];
  let at = 0;
  let words = 0;
  while (at < line.length && items.length < 16) {
    while (at < line.length && /[\s|,]/.test(line[at]!)) at++;
    const item = readItem(line, at);
    if (!item) break;
    // Words are hosts or components only in small numbers; a run of them is already the message.
    words = item.kind === 'word' ? words + 1 : 0;
    if (words > 2) break;
    items.push(item);
    at = item.end;
  }

  let cut = -1;
  let levelAt = -1;
  let sawTime = false;
  for (let i = 0; i < items.length; i++) {
    const item = items[i]!;
    const previous = items[i - 1];
    if (item.kind === 'time' || item.kind === 'pri' || (item.kind === 'num' && EPOCH.test(item.text))) {
      if (item.kind === 'time') sawTime = true;
      cut = i;
    } else if (item.kind === 'level') {
      // Before a level there are only header fields: a capitalised word there (`Link error`) is the message.
      const wordsBefore = items.slice(Math.max(0, cut + 1), i).filter((it) => it.kind === 'word');
      if (!sawTime && wordsBefore.some((w) => !/^[A-Z0-9_]+$|[._$]/.test(w.text))) break;
      cut = i;
      levelAt = i;
    } else if (item.kind === 'word' && LETTER_LEVEL.test(item.text) && previous?.kind === 'num') {
      if (items[i + 1]?.kind !== 'prog') break;
      item.kind = 'level';
      cut = i;
      levelAt = i;
    } else if (item.kind === 'prog') {
      // A name with a colon ends the header only right after header fields, not after a word of the message.
      if (cut < 0 && !sawTime) break;
      if (previous?.kind === 'word' && items[i - 2]?.kind === 'word') break;
      cut = i;
      break;
    } else if (item.kind === 'bracket') {
      // A bracketed timestamp is a header field wherever it stands (`host - user [time] "request"`); other
      // brackets only after one.
      if (cut < 0 && !looksLikeHeaderBracket(item.text)) break;
      if (looksLikeHeaderBracket(item.text) && /\d/.test(item.text)) sawTime = true;
      cut = i;
    } else if (item.kind === 'dash' || item.kind === 'num' || item.kind === 'id') {
      if (cut >= 0 && i === cut + 1 && levelAt >= 0 && levelAt === cut && item.kind === 'id') break;
      if (cut >= 0 && item.pipeEnd) cut = i;
    } else if (item.kind === 'word') {
      if (levelAt >= 0 && levelAt === i - 1) {
        // The component after a level: a dotted logger name, or a column of a fixed-width layout; one bracketed
        // context (thread, request ids) may follow it.
        if (/^[A-Za-z_][\w$-]*(?:\.[\w$-]+)+$/.test(item.text) || item.columnEnd) {
          cut = items[i + 1]?.kind === 'bracket' && !item.dashEnd ? i + 1 : i;
        }
        break;
      }
      // A program or host column right after the time, or a field of a pipe-delimited header.
      if (cut === i - 1 && cut >= 0 && (item.columnEnd || item.pipeEnd)) {
        cut = i;
        if (item.dashEnd) break;
        continue;
      }
      if (!(sawTime || cut >= 0 || i + 1 < items.length)) break;
    }
    // ` - ` after header fields is where the message starts, unless a level between dashes is still to come (as in
    // Python's `time - logger - LEVEL - message`); so is the last `|` of a pipe layout.
    if (cut >= 0 && item.dashEnd && !items.slice(i + 1, i + 5).some((n) => n.kind === 'level' && n.dashEnd)) {
      cut = i;
      break;
    }
    if (cut === i && item.pipeEnd && !items[i + 1]?.pipeEnd) break;
  }
  // A header is never the whole line: when nothing is left, the last field read was the message.
  // Separators and nil fields (`- -` in an access log) between header and message go with the header.
  const restAfter = (at: number) => line.slice(items[at]!.end).replace(/^(?:\s*[-:|]\s+|\s*\|\s*|[\s,]+)+/, '');
  while (cut >= 0 && restAfter(cut) === '') cut--;
  if (cut < 0) return { header: {}, content: line };
  const rest = restAfter(cut);
  return { header: headerOf(items.slice(0, cut + 1)), content: rest };
}

function looksLikeHeaderBracket(text: string): boolean {
  const inner = text.slice(1, -1).trim();
  TIMESTAMP_AT_START.lastIndex = 0;
  return TIMESTAMP_AT_START.test(inner) || LEVEL.test(inner) || /^\d+(?:\.\d+)?$/.test(inner);
}

function headerOf(items: readonly Item[]): LogHeader {
  const header: LogHeader = {};
  let timeParts: string[] = [];
  for (const item of items) {
    const text = item.text.replace(/[:,]$/, '');
    switch (item.kind) {
      case 'time':
        timeParts.push(text);
        break;
      case 'level':
        header.level ??= text;
        break;
      case 'prog': {
        const match = /^(.*?)(?:\[(\d+)\])?(?:\s\(.*\))?$/.exec(text)!;
        header.component = match[1];
        if (match[2]) header.pid = match[2];
        break;
      }
      case 'bracket': {
        const inner = text.slice(1, -1).trim();
        TIMESTAMP_AT_START.lastIndex = 0;
        if (TIMESTAMP_AT_START.test(inner)) timeParts.push(inner);
        else if (LEVEL.test(inner)) header.level ??= inner;
        else header.thread ??= inner;
        break;
      }
      case 'num':
        if (!EPOCH.test(text)) header.pid ??= text;
        else timeParts.push(text);
        break;
      case 'word':
      case 'id':
        if (header.level) header.component ??= text;
        else header.host ??= text;
        break;
      default:
        break;
    }
    if (timeParts.length > 0 && item.kind !== 'time') {
      header.timestamp ??= timeParts.join(' ');
      timeParts = [];
    }
  }
  if (timeParts.length > 0) header.timestamp ??= timeParts.join(' ');
  return clean(header);
}

function clean(header: LogHeader): LogHeader {
  return Object.fromEntries(
    Object.entries(header).filter(([, value]) => value !== undefined && value !== ''),
  ) as LogHeader;
}
