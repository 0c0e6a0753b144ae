/**
 * What a responder looks for in a log line besides its template: the severity, error codes of the common families
 * (HTTP status, errno, database and gRPC codes, named exceptions) and stack traces with their exception and top frame.
 */

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug';

const LEVELS: [RegExp, LogLevel][] = [
  [/\b(FATAL|CRITICAL|CRIT|EMERG(?:ENCY)?|PANIC)\b/, 'fatal'],
  [/\b(ERROR|ERR|SEVERE)\b/, 'error'],
  [/\b(WARN|WARNING)\b/, 'warn'],
  [/\b(INFO|NOTICE)\b/, 'info'],
  [/\b(DEBUG|TRACE)\b/, 'debug'],
];

/** The level a line declares (upper-case keyword in its first 80 characters), if any. */
export function levelOf(message: string): LogLevel | undefined {
  const head = message.slice(0, 80);
  for (const [pattern, level] of LEVELS) if (pattern.test(head)) return level;
  if (/\b(exception|traceback|panic:)/i.test(message)) return 'error';
  return undefined;
}

/** A line names an HTTP status as a status, not as any three-digit number. */
const HTTP_STATUS = [
  /\b(?:status(?:[ _-]?code)?|http[ _-]?status|response[ _-]?code|code)[=: ]+"?([45]\d\d)\b/i,
  /"\s*(?:GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS) [^"]*"\s+([45]\d\d)\b/,
  /\bHTTP\/\d(?:\.\d)?"?\s+([45]\d\d)\b/,
  /\b([45]\d\d) (?:Bad Request|Unauthorized|Forbidden|Not Found|Conflict|Too Many Requests|Internal Server Error|Bad Gateway|Service Unavailable|Gateway Timeout)\b/i,
];
const OTHER_CODES: RegExp[] = [
  /\b(E(?:CONNREFUSED|CONNRESET|TIMEDOUT|HOSTUNREACH|NETUNREACH|PIPE|ADDRINUSE|NOTFOUND|AI_AGAIN|ACCES|MFILE|NOSPC|NOMEM))\b/g,
  /\b(ORA-\d{5})\b/g,
  /\bSQLSTATE\[?\s*([0-9A-Z]{5})\]?/g,
  /\b(DEADLINE_EXCEEDED|UNAVAILABLE|RESOURCE_EXHAUSTED|PERMISSION_DENIED|UNAUTHENTICATED|INTERNAL|ABORTED)\b(?=[:\s,)]|$)/g,
  /\b(OOMKilled|OutOfMemoryError|CrashLoopBackOff|ImagePullBackOff|Evicted)\b/g,
  /\b(ERR_[A-Z0-9_]{3,})\b/g,
];

/** Error codes found in a message, each once, with their family as a prefix (`http:503`, `errno:ECONNREFUSED`). */
export function errorCodesOf(message: string): string[] {
  const found = new Set<string>();
  for (const pattern of HTTP_STATUS) {
    const match = pattern.exec(message);
    if (match?.[1]) found.add(`http:${match[1]}`);
  }
  for (const pattern of OTHER_CODES) {
    for (const match of message.matchAll(pattern)) {
      const code = match[1]!;
      const family =
        code.startsWith('E') && /^E[A-Z]+$/.test(code)
          ? 'errno'
          : code.startsWith('ORA-')
            ? 'oracle'
            : /^[0-9A-Z]{5}$/.test(code) && /SQLSTATE/i.test(match[0])
              ? 'sqlstate'
              : code.startsWith('ERR_')
                ? 'node'
                : /^[A-Z_]+$/.test(code)
                  ? 'grpc'
                  : 'runtime';
      found.add(`${family}:${code}`);
    }
  }
  return [...found];
}

/** A stack trace's identity: what was thrown and where. */
export interface StackSignature {
  readonly exception: string;
  readonly topFrame: string;
}

const FRAME_PATTERNS = [
  /^\s+at\s+(.+?)(?:\s+\(.*\))?\s*$/, // Java, JavaScript, .NET
  /^\s+File "([^"]+)", line \d+, in (\S+)/, // Python
  /^\s*goroutine \d+ \[/, // Go (marker only)
];
const EXCEPTION_PATTERNS = [
  /\b((?:[a-z_$][\w$]*\.)+[A-Z][\w$]*(?:Exception|Error|Throwable))\b/, // java.lang.IllegalStateException
  /\b([A-Z][A-Za-z]*(?:Exception|Error))\b/, // TypeError, KeyError, NullReferenceException
  /\b(panic):/, // Go
];

/**
 * The exception and top frame of a multi-line event that carries a stack trace, or undefined. A trace is at least
 * one frame line (`at ...`, `File "...", line N`) or a Python `Traceback` header.
 */
export function stackSignatureOf(message: string): StackSignature | undefined {
  const lines = message.split('\n');
  if (lines.length < 2) return undefined;
  let topFrame: string | undefined;
  let exception: string | undefined;
  for (const line of lines) {
    if (!topFrame) {
      for (const pattern of FRAME_PATTERNS) {
        const match = pattern.exec(line);
        if (match) {
          topFrame = match[2] ? `${match[2]} (${match[1]})` : (match[1] ?? line.trim());
          break;
        }
      }
    }
    if (/^Caused by:/.test(line.trim())) {
      // The root cause names the exception worth grouping by.
      exception = EXCEPTION_PATTERNS.map((p) => p.exec(line)?.[1]).find(Boolean) ?? exception;
    }
  }
  if (!topFrame && !/^Traceback \(most recent call last\)/m.test(message)) return undefined;
  if (!exception) {
    // Python prints the exception last; Java and JavaScript print it first.
    const candidates = [lines[lines.length - 1] ?? '', ...lines];
    for (const line of candidates) {
      exception = EXCEPTION_PATTERNS.map((p) => p.exec(line)?.[1]).find(Boolean);
      if (exception) break;
    }
  }
  return { exception: exception ?? 'UnknownError', topFrame: (topFrame ?? 'unknown frame').slice(0, 200) };
}
