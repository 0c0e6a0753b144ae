import {
  type CloudWatchLogsClient,
  GetQueryResultsCommand,
  type ResultField,
  StartQueryCommand,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { isThrottlingError, withBackoff } from '../../llm/backoff';
import { type LogEvent, type LogFetch, type LogQuery, type LogSource, UnknownLogSourceError } from '../../ports/logs';
import { TransientError } from '../../shared/errors';

/** Options of {@link CloudWatchLogsInsightsSource}. */
export interface CloudWatchLogsInsightsOptions {
  readonly client: CloudWatchLogsClient;
  /**
   * Log groups per service. `*` is the fallback for services without an entry; `{service}` in a name is replaced by
   * the service id (e.g. `{"*": ["/aws/lambda/{service}"], "checkout-api": ["/ecs/checkout-api"]}`).
   */
  readonly logGroups: Readonly<Record<string, readonly string[]>>;
  /** Give up on a query after this long (it is stopped, and the step may retry). @default 20000 */
  readonly timeoutMs?: number;
  /** @default 500 */
  readonly pollMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** Logs Insights returns at most this many rows per query. */
const INSIGHTS_MAX_ROWS = 10_000;
const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Insights prints `@timestamp` as `2026-11-20 10:00:00.000` in UTC. */
function insightsTime(value: string): string {
  const iso = value.includes('T') ? value : `${value.replace(' ', 'T')}Z`;
  const parsed = Date.parse(iso);
  return Number.isNaN(parsed) ? value : new Date(parsed).toISOString();
}

function field(row: ResultField[], name: string): string | undefined {
  return row.find((f) => f.field === name)?.value;
}

/**
 * {@link LogSource} on CloudWatch Logs Insights: StartQuery over the service's log groups and window, newest first
 * up to the limit, then GetQueryResults until the query completes. A query that outlives `timeoutMs` is stopped and
 * reported as transient, so the workflow's Retry (or the agent's degradation) takes over.
 */
export class CloudWatchLogsInsightsSource implements LogSource {
  constructor(private readonly options: CloudWatchLogsInsightsOptions) {}

  /** The log groups of a service under the configured mapping. */
  logGroupsOf(service: string): string[] {
    const groups = this.options.logGroups[service] ?? this.options.logGroups['*'] ?? [];
    return groups.map((group) => group.replaceAll('{service}', service));
  }

  async fetch(query: LogQuery): Promise<LogFetch> {
    const logGroupNames = this.logGroupsOf(query.service);
    if (logGroupNames.length === 0) throw new UnknownLogSourceError(`no log groups configured for '${query.service}'`);
    const limit = Math.min(query.limit ?? INSIGHTS_MAX_ROWS, INSIGHTS_MAX_ROWS);
    const retry = { retryable: isThrottlingError, attempts: 4, sleep: this.options.sleep };
    const started = await withBackoff(
      () =>
        this.options.client.send(
          new StartQueryCommand({
            logGroupNames,
            startTime: Math.floor(query.start.getTime() / 1000),
            endTime: Math.ceil(query.end.getTime() / 1000),
            queryString: `fields @timestamp, @message, @logStream | sort @timestamp desc | limit ${limit}`,
            limit,
          }),
        ),
      retry,
    );
    const queryId = started.queryId;
    if (!queryId) throw new TransientError('Logs Insights returned no query id');

    const sleep = this.options.sleep ?? defaultSleep;
    const deadline = Date.now() + (this.options.timeoutMs ?? 20_000);
    for (;;) {
      const result = await withBackoff(() => this.options.client.send(new GetQueryResultsCommand({ queryId })), retry);
      switch (result.status) {
        case 'Complete': {
          const events: LogEvent[] = (result.results ?? [])
            .map((row) => ({
              timestamp: insightsTime(field(row, '@timestamp') ?? ''),
              message: field(row, '@message') ?? '',
              stream: field(row, '@logStream'),
            }))
            .reverse();
          return { events, sources: logGroupNames, truncated: events.length >= limit };
        }
        case 'Failed':
        case 'Cancelled':
        case 'Timeout':
          throw new TransientError(`Logs Insights query ${queryId} ended ${result.status}`);
        default:
          if (Date.now() > deadline) {
            await this.options.client.send(new StopQueryCommand({ queryId })).catch(() => undefined);
            throw new TransientError(`Logs Insights query ${queryId} did not finish in time`);
          }
          await sleep(this.options.pollMs ?? 500);
      }
    }
  }
}
