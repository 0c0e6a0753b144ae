import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CloudWatchLogsClient,
  GetQueryResultsCommand,
  StartQueryCommand,
  type StartQueryCommandInput,
  StopQueryCommand,
} from '@aws-sdk/client-cloudwatch-logs';
import { mockClient } from 'aws-sdk-client-mock';
import { CloudWatchLogsInsightsSource } from '../../../lambdas/adapters/aws/cloudwatch-logs-insights';
import { FolderLogSource } from '../../../lambdas/adapters/local/folder-logs';
import { type LogSource, UnknownLogSourceError } from '../../../lambdas/ports/logs';

/** The same logs, as each backend holds them: `[iso time, message]`; the error spans three lines. */
const EVENTS: [string, string][] = [
  ['2026-11-20T09:00:00.000Z', 'INFO service started version=1.2.3'],
  ['2026-11-20T09:30:00.000Z', 'INFO GET /health status=200'],
  [
    '2026-11-20T10:00:00.000Z',
    'ERROR request failed\njava.lang.IllegalStateException: pool closed\n\tat com.shop.Pool.get(Pool.java:10)',
  ],
  ['2026-11-20T10:05:00.000Z', 'WARN slow request duration=2300ms'],
  ['2026-11-20T11:00:00.000Z', 'INFO shutting down'],
];

interface Harness {
  source: LogSource;
  close(): void;
}

/** CloudWatch behind aws-sdk-client-mock, behaving like Logs Insights: filter by time, newest first, limit, then a poll. */
function insightsHarness(): Harness {
  const client = new CloudWatchLogsClient({
    region: 'us-east-1',
    credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
  });
  const mock = mockClient(client);
  const queries = new Map<string, { input: StartQueryCommandInput; polls: number }>();
  mock.on(StartQueryCommand).callsFake((input: StartQueryCommandInput) => {
    if (!input.logGroupNames?.includes('/ecs/checkout-api'))
      throw Object.assign(new Error('log group does not exist'), { name: 'ResourceNotFoundException' });
    const queryId = `q-${queries.size + 1}`;
    queries.set(queryId, { input, polls: 0 });
    return { queryId };
  });
  mock.on(GetQueryResultsCommand).callsFake(({ queryId }: { queryId: string }) => {
    const query = queries.get(queryId)!;
    if (query.polls++ === 0) return { status: 'Running' };
    const limit = Number(/limit (\d+)/.exec(query.input.queryString ?? '')?.[1] ?? 10000);
    const rows = EVENTS.filter(([time]) => {
      const seconds = Date.parse(time) / 1000;
      return seconds >= (query.input.startTime ?? 0) && seconds <= (query.input.endTime ?? 0);
    })
      .reverse()
      .slice(0, limit)
      .map(([time, message]) => [
        { field: '@timestamp', value: time.replace('T', ' ').replace('Z', '') },
        { field: '@message', value: message },
        { field: '@logStream', value: 'ecs/checkout/abc' },
        { field: '@ptr', value: 'x' },
      ]);
    return { status: 'Complete', results: rows };
  });
  mock.on(StopQueryCommand).resolves({ success: true });
  return {
    source: new CloudWatchLogsInsightsSource({
      client,
      logGroups: { 'checkout-api': ['/ecs/checkout-api'] },
      sleep: async () => undefined,
    }),
    close: () => mock.restore(),
  };
}

/** A folder with the same events as a text log file. */
function folderHarness(): Harness {
  const dir = mkdtempSync(join(tmpdir(), 'lumos-logs-'));
  mkdirSync(join(dir, 'checkout-api'));
  writeFileSync(
    join(dir, 'checkout-api', 'app.log'),
    `${EVENTS.map(([time, message]) => `${time} ${message}`).join('\n')}\n`,
  );
  return { source: new FolderLogSource({ dir }), close: () => rmSync(dir, { recursive: true, force: true }) };
}

describe.each<[string, () => Harness]>([
  ['CloudWatch Logs Insights', insightsHarness],
  ['log folder', folderHarness],
])('the %s log source', (_name, make) => {
  let harness: Harness;
  beforeEach(() => {
    harness = make();
  });
  afterEach(() => harness.close());

  const window = {
    service: 'checkout-api',
    start: new Date('2026-11-20T09:15:00Z'),
    end: new Date('2026-11-20T10:30:00Z'),
  };

  it('returns the events inside the window, oldest first, with ISO timestamps', async () => {
    const fetched = await harness.source.fetch(window);
    expect(fetched.events.map((e) => e.timestamp)).toEqual([
      '2026-11-20T09:30:00.000Z',
      '2026-11-20T10:00:00.000Z',
      '2026-11-20T10:05:00.000Z',
    ]);
    expect(fetched.truncated).toBe(false);
    expect(fetched.sources.length).toBeGreaterThan(0);
  });

  it('keeps a stack trace together with the line that printed it', async () => {
    const fetched = await harness.source.fetch(window);
    const error = fetched.events.find((e) => e.message.startsWith('ERROR'));
    expect(error?.message.split('\n')).toHaveLength(3);
    expect(error?.message).toContain('at com.shop.Pool.get');
  });

  it('keeps the newest events when the limit cuts, and says so', async () => {
    const fetched = await harness.source.fetch({ ...window, limit: 2 });
    expect(fetched.events.map((e) => e.timestamp)).toEqual(['2026-11-20T10:00:00.000Z', '2026-11-20T10:05:00.000Z']);
    expect(fetched.truncated).toBe(true);
  });

  it('names a service it knows nothing about with a named error', async () => {
    await expect(harness.source.fetch({ ...window, service: 'no-such-service' })).rejects.toBeInstanceOf(
      UnknownLogSourceError,
    );
  });
});

describe('the folder log source specifically', () => {
  it('reads JSON lines and replays sample logs so that their last event lands at the end of the window', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lumos-logs-'));
    try {
      writeFileSync(
        join(dir, 'payments-api.jsonl'),
        [
          JSON.stringify({ timestamp: '2020-01-01T00:00:00Z', level: 'info', message: 'boot' }),
          JSON.stringify({ time: '2020-01-01T00:10:00Z', level: 'error', msg: 'pool exhausted' }),
        ].join('\n'),
      );
      const end = new Date('2026-11-20T12:00:00Z');
      const fetched = await new FolderLogSource({ dir, replay: true }).fetch({
        service: 'payments-api',
        start: new Date(end.getTime() - 3_600_000),
        end,
      });
      expect(fetched.events).toEqual([
        { timestamp: '2026-11-20T11:50:00.000Z', message: 'INFO boot', stream: 'payments-api.jsonl' },
        { timestamp: '2026-11-20T12:00:00.000Z', message: 'ERROR pool exhausted', stream: 'payments-api.jsonl' },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('does not let a service name walk out of the folder', async () => {
    await expect(
      new FolderLogSource({ dir: tmpdir() }).fetch({
        service: '../../etc/passwd',
        start: new Date(0),
        end: new Date(),
      }),
    ).rejects.toBeInstanceOf(UnknownLogSourceError);
  });
});

describe('the CloudWatch Logs Insights source specifically', () => {
  it('queries the mapped log groups with the window in epoch seconds and a newest-first limit', async () => {
    const client = new CloudWatchLogsClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const mock = mockClient(client);
    mock.on(StartQueryCommand).resolves({ queryId: 'q1' });
    mock.on(GetQueryResultsCommand).resolves({ status: 'Complete', results: [] });
    const source = new CloudWatchLogsInsightsSource({ client, logGroups: { '*': ['/aws/lambda/{service}'] } });
    await source.fetch({
      service: 'orders',
      start: new Date('2026-11-20T10:00:00Z'),
      end: new Date('2026-11-20T10:30:00Z'),
      limit: 500,
    });
    expect(mock.commandCalls(StartQueryCommand)[0]!.args[0].input).toEqual({
      logGroupNames: ['/aws/lambda/orders'],
      startTime: 1795168800,
      endTime: 1795170600,
      queryString: 'fields @timestamp, @message, @logStream | sort @timestamp desc | limit 500',
      limit: 500,
    });
  });

  it('stops a query that outlives its time and reports it as transient', async () => {
    const client = new CloudWatchLogsClient({
      region: 'us-east-1',
      credentials: { accessKeyId: 'x', secretAccessKey: 'y' },
    });
    const mock = mockClient(client);
    mock.on(StartQueryCommand).resolves({ queryId: 'q1' });
    mock.on(GetQueryResultsCommand).resolves({ status: 'Running' });
    mock.on(StopQueryCommand).resolves({ success: true });
    const source = new CloudWatchLogsInsightsSource({
      client,
      logGroups: { '*': ['/g'] },
      timeoutMs: 0,
      sleep: async () => undefined,
    });
    await expect(source.fetch({ service: 's', start: new Date(0), end: new Date(1000) })).rejects.toMatchObject({
      name: 'Lumos.TransientError',
    });
    expect(mock.commandCalls(StopQueryCommand)).toHaveLength(1);
  });
});
