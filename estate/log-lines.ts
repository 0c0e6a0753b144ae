import type { LogFormat } from './definition';
import type { ProblemCode } from './service-state';

/**
 * Log lines in the formats real services write, one formatter per format. Every line starts with its timestamp
 * (JSON lines carry it as `timestamp`), which is what the local logs adapter needs to place it in time:
 * - `json`: structured application logs (pino/logback JSON style), one object per line;
 * - `access`: an ingress access log (timestamp, client, request line, status, bytes, referrer, agent, timing);
 * - `java`: logback pattern `yyyy-MM-dd HH:mm:ss,SSS LEVEL [thread] logger - message` with stack traces on the
 *   following lines;
 * - `syslog`: rsyslog's high-precision file format `ISO-timestamp host program[pid]: message`.
 */

/** What happened, independent of the format. */
export type LogEvent =
  | { type: 'request'; method: string; path: string; status: number; latencyMs: number; bytes: number; client: string }
  | { type: 'problem'; code: ProblemCode | 'dependency'; reason: string; dependency?: string; timingOut?: boolean }
  | { type: 'info'; message: string }
  | { type: 'warn'; message: string };

/** The exception (or server message) each kind of trouble produces. */
const JAVA_EXCEPTIONS: Record<ProblemCode | 'dependency' | 'dependency-timeout', [string, string[]]> = {
  'crash-loop': [
    'java.lang.IllegalStateException: Failed to load ApplicationContext',
    ['org.springframework.boot.SpringApplication.run(SpringApplication.java:338)'],
  ],
  'primary-down': [
    'org.postgresql.util.PSQLException: Connection to orders-db:5432 refused. Check that the hostname and port are correct and that the postmaster is accepting TCP/IP connections.',
    ['org.postgresql.core.v3.ConnectionFactoryImpl.openConnectionImpl(ConnectionFactoryImpl.java:346)'],
  ],
  hang: [
    'java.util.concurrent.TimeoutException: request processing exceeded 30000 ms (all 200 worker threads busy)',
    ['org.apache.tomcat.util.threads.ThreadPoolExecutor.runWorker(ThreadPoolExecutor.java:1191)'],
  ],
  disk: [
    'java.io.IOException: No space left on device',
    [
      'java.base/java.io.FileOutputStream.writeBytes(Native Method)',
      'ch.qos.logback.core.recovery.ResilientOutputStreamBase.write(ResilientOutputStreamBase.java:61)',
    ],
  ],
  memory: [
    'java.lang.OutOfMemoryError: Java heap space',
    ['java.base/java.util.Arrays.copyOf(Arrays.java:3537)', 'com.acme.cache.SessionCache.put(SessionCache.java:88)'],
  ],
  pool: [
    'java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms.',
    [
      'com.zaxxer.hikari.pool.HikariPool.createTimeoutException(HikariPool.java:696)',
      'com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)',
    ],
  ],
  load: [
    'java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed out after 30000ms (total=150, active=150, idle=0, waiting=412)',
    ['com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)'],
  ],
  credential: [
    'org.postgresql.util.PSQLException: FATAL: password authentication failed for user "app"',
    ['org.postgresql.core.v3.ConnectionFactoryImpl.doAuthentication(ConnectionFactoryImpl.java:693)'],
  ],
  certificate: [
    'javax.net.ssl.SSLHandshakeException: PKIX path validation failed: java.security.cert.CertificateExpiredException: NotAfter',
    ['java.base/sun.security.ssl.Alert.createSSLException(Alert.java:131)'],
  ],
  'bad-deploy': [
    'java.lang.NullPointerException: Cannot invoke "com.acme.payments.CardToken.value()" because "token" is null',
    [
      'com.acme.payments.CardClient.authorize(CardClient.java:142)',
      'com.acme.payments.PaymentController.pay(PaymentController.java:57)',
    ],
  ],
  'feature-flag': [
    'java.lang.IllegalArgumentException: unknown recommendation model variant',
    ['com.acme.reco.Recommender.rank(Recommender.java:77)'],
  ],
  flapping: [
    'java.net.SocketTimeoutException: readiness probe timed out',
    ['com.acme.health.ReadinessProbe.check(ReadinessProbe.java:40)'],
  ],
  dependency: [
    'org.springframework.web.client.HttpServerErrorException$ServiceUnavailable: 503 Service Unavailable',
    ['org.springframework.web.client.DefaultResponseErrorHandler.handleError(DefaultResponseErrorHandler.java:168)'],
  ],
  'dependency-timeout': [
    'java.net.SocketTimeoutException: Read timed out',
    [
      'java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:288)',
      'org.apache.http.impl.conn.LoggingInputStream.read(LoggingInputStream.java:84)',
    ],
  ],
};

/** What a database, cache or gateway (the syslog writers) prints for each kind of trouble. */
const SERVER_MESSAGES: Record<ProblemCode | 'dependency' | 'dependency-timeout', string> = {
  'crash-loop': 'FATAL:  could not load configuration file: exiting with status 137',
  'primary-down': 'FATAL:  the database system is shutting down; primary not accepting connections',
  hang: 'LOG:  process 4242 still waiting for ShareLock on transaction 88213 after 30000.512 ms',
  disk: 'PANIC:  could not write to file "pg_wal/xlogtemp.4242": No space left on device',
  memory: 'ERROR:  out of memory; DETAIL:  Failed on request of size 8388608 in memory context "ExecutorState"',
  pool: 'FATAL:  sorry, too many clients already (remaining connection slots are reserved)',
  load: 'FATAL:  remaining connection slots are reserved for non-replication superuser connections',
  credential: 'FATAL:  password authentication failed for user "app"',
  certificate: 'error: TLS handshake failed: certificate has expired (notAfter reached)',
  'bad-deploy': 'ERROR:  syntax error at or near "RETURNING" (statement from release migration)',
  'feature-flag': 'ERROR:  relation "recommendations_v2" does not exist',
  flapping: 'WARNING:  health probe timeout; replica lag 12s',
  dependency: 'error: upstream unavailable',
  'dependency-timeout': 'error: upstream timed out (110: Connection timed out)',
};

const PROGRAM: Record<string, string> = { database: 'postgres', cache: 'redis-server', network: 'charon' };

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/** `2026-12-03 09:37:30,123` (logback's default, UTC). */
function logbackTime(at: Date): string {
  return `${at.getUTCFullYear()}-${pad(at.getUTCMonth() + 1)}-${pad(at.getUTCDate())} ${pad(at.getUTCHours())}:${pad(at.getUTCMinutes())}:${pad(at.getUTCSeconds())},${pad(at.getUTCMilliseconds(), 3)}`;
}

/** `2026-12-03T09:37:30.123000+00:00` (rsyslog RSYSLOG_FileFormat). */
function syslogTime(at: Date): string {
  return `${at.toISOString().slice(0, 23)}000+00:00`;
}

function javaClass(service: string): string {
  return `com.acme.${service.replace(/-(api|svc|service)$/, '').replace(/-/g, '')}`;
}

function problemKey(event: Extract<LogEvent, { type: 'problem' }>): ProblemCode | 'dependency' | 'dependency-timeout' {
  if (event.code === 'dependency') return event.timingOut ? 'dependency-timeout' : 'dependency';
  return event.code;
}

function problemMessage(event: Extract<LogEvent, { type: 'problem' }>): string {
  if (event.code === 'dependency')
    return event.timingOut
      ? `call to ${event.dependency} timed out after 10000 ms`
      : `call to ${event.dependency} failed: HTTP 503 (${event.reason})`;
  return event.reason;
}

/** Formats one event as the lines the service writes (a Java error is several lines). */
export function formatLogEvent(
  format: LogFormat,
  service: string,
  kind: string,
  event: LogEvent,
  at: Date,
  thread = 1,
): string[] {
  switch (format) {
    case 'json': {
      const base = { timestamp: at.toISOString(), service, pid: 7 };
      if (event.type === 'request')
        return [
          JSON.stringify({
            ...base,
            level: event.status >= 500 ? 'error' : 'info',
            msg: `${event.method} ${event.path} ${event.status} ${event.latencyMs}ms`,
            http: { method: event.method, path: event.path, status: event.status, duration_ms: event.latencyMs },
          }),
        ];
      if (event.type === 'problem')
        return [
          JSON.stringify({
            ...base,
            level: 'error',
            msg: problemMessage(event),
            err: {
              type: JAVA_EXCEPTIONS[problemKey(event)][0].split(':')[0]!.split('.').pop(),
              code: problemKey(event),
            },
            ...(event.dependency ? { upstream: event.dependency } : {}),
          }),
        ];
      return [JSON.stringify({ ...base, level: event.type === 'warn' ? 'warn' : 'info', msg: event.message })];
    }
    case 'access': {
      if (event.type === 'request')
        return [
          `${at.toISOString()} ${event.client} - - "${event.method} ${event.path} HTTP/1.1" ${event.status} ${event.bytes} "-" "Mozilla/5.0 (X11; Linux x86_64)" rt=${(event.latencyMs / 1000).toFixed(3)} upstream=${service}`,
        ];
      if (event.type === 'problem')
        return [
          `${at.toISOString()} [error] ${process.pid}#0: *${thread} ${problemMessage(event)}, server: ${service}`,
        ];
      return [`${at.toISOString()} [${event.type === 'warn' ? 'warn' : 'notice'}] ${process.pid}#0: ${event.message}`];
    }
    case 'java': {
      const prefix = (level: string, logger: string) =>
        `${logbackTime(at)} ${level.padEnd(5)} [http-nio-8080-exec-${thread}] ${logger} -`;
      if (event.type === 'request')
        return [
          `${prefix(event.status >= 500 ? 'WARN' : 'INFO', `${javaClass(service)}.web.AccessLog`)} ${event.method} ${event.path} -> ${event.status} in ${event.latencyMs}ms`,
        ];
      if (event.type === 'problem') {
        const [exception, frames] = JAVA_EXCEPTIONS[problemKey(event)];
        return [
          `${prefix('ERROR', `${javaClass(service)}.web.ErrorHandler`)} Request failed: ${problemMessage(event)}`,
          exception,
          ...frames.map((frame) => `\tat ${frame}`),
          `\tat ${javaClass(service)}.web.RequestDispatcher.dispatch(RequestDispatcher.java:112)`,
          '\t... 42 common frames omitted',
        ];
      }
      return [
        `${prefix(event.type === 'warn' ? 'WARN' : 'INFO', `${javaClass(service)}.Application`)} ${event.message}`,
      ];
    }
    case 'syslog': {
      const program = PROGRAM[kind] ?? 'daemon';
      const head = `${syslogTime(at)} ${service} ${program}[${4200 + (thread % 80)}]:`;
      if (event.type === 'request')
        return [
          kind === 'database'
            ? `${head} LOG:  duration: ${event.latencyMs}.${pad(thread, 3)} ms  statement: ${event.method === 'GET' ? 'SELECT' : 'INSERT'} ... /* ${event.path} */`
            : `${head} ${event.method} ${event.path} ${event.status} ${event.latencyMs}ms`,
        ];
      if (event.type === 'problem')
        return [`${head} ${event.code === 'dependency' ? problemMessage(event) : SERVER_MESSAGES[problemKey(event)]}`];
      return [`${head} ${event.type === 'warn' ? 'WARNING:  ' : 'LOG:  '}${event.message}`];
    }
  }
}

/** The file a service's logs go to, in the folder the local logs adapter reads (`<service>.jsonl` or `.log`). */
export function logFileName(service: string, format: LogFormat): string {
  return `${service}.${format === 'json' ? 'jsonl' : 'log'}`;
}
