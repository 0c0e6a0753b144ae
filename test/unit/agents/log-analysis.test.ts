import { findLogAnomalies } from '../../../lambdas/agents/log-analysis/anomalies';
import { analyseIncidentLogs } from '../../../lambdas/agents/log-analysis/core';
import { DrainMiner, maskVariables, templateText } from '../../../lambdas/agents/log-analysis/drain';
import { errorCodesOf, levelOf, stackSignatureOf } from '../../../lambdas/agents/log-analysis/log-signals';
import type { LanguageModel } from '../../../lambdas/ports/llm';
import { type LogEvent, type LogSource, UnknownLogSourceError } from '../../../lambdas/ports/logs';
import { anIncident, clockAt } from './support/incident';

describe('Drain-style template mining', () => {
  it('masks what varies between occurrences of one event', () => {
    expect(
      maskVariables('2026-11-20T10:00:00Z user 42 from 10.0.0.7:443 id=3f2a9c1e-8b7d-4e6f-a1b2-c3d4e5f60718 took 35ms'),
    ).toBe('<TIME> user <NUM> from <IP> id=<UUID> took <NUM>');
  });

  it('groups lines of one event under one template and keeps different events apart', () => {
    const miner = new DrainMiner();
    const a = miner.add('ERROR payment failed order_id=ord-1 after 5000ms');
    const b = miner.add('ERROR payment failed order_id=ord-2 after 5012ms');
    const c = miner.add('INFO order placed order_id=ord-3 amount=12.50');
    expect(b).toBe(a);
    expect(c).not.toBe(a);
    expect(templateText(a)).toBe('payment failed order_id=<ID> after <NUM>');
    expect(a.count).toBe(2);
  });

  it('clusters only on the first line of a multi-line event', () => {
    const miner = new DrainMiner();
    const first = miner.add('ERROR boom\n\tat a.b(C.java:1)');
    const second = miner.add('ERROR boom\n\tat x.y(Z.java:9)');
    expect(second).toBe(first);
  });
});

describe('log signals', () => {
  it('reads the declared level', () => {
    expect(levelOf('2026 ERROR x')).toBe('error');
    expect(levelOf('WARN slow')).toBe('warn');
    expect(levelOf('something exception happened')).toBe('error');
    expect(levelOf('plain text')).toBeUndefined();
  });

  it('finds error codes of the common families, and not every three-digit number', () => {
    expect(errorCodesOf('POST /x status=503 duration=120ms')).toEqual(['http:503']);
    expect(errorCodesOf('connect ECONNREFUSED 10.0.0.1:5432')).toEqual(['errno:ECONNREFUSED']);
    expect(errorCodesOf('ORA-00060: deadlock detected')).toEqual(['oracle:ORA-00060']);
    expect(errorCodesOf('rpc error: code = DEADLINE_EXCEEDED desc = context deadline exceeded')).toEqual([
      'grpc:DEADLINE_EXCEEDED',
    ]);
    expect(errorCodesOf('processed 404 records in 500 ms')).toEqual([]);
  });

  it('identifies stack traces by exception and top frame, Java and Python alike', () => {
    expect(
      stackSignatureOf(
        'ERROR failed\njava.lang.IllegalStateException: closed\n\tat com.a.B.c(B.java:10)\n\tat com.a.D.e(D.java:3)',
      ),
    ).toEqual({
      exception: 'java.lang.IllegalStateException',
      topFrame: 'com.a.B.c(B.java:10)',
    });
    expect(
      stackSignatureOf(
        'Traceback (most recent call last):\n  File "/app/main.py", line 3, in handler\nKeyError: \'id\'',
      ),
    ).toEqual({
      exception: 'KeyError',
      topFrame: 'handler (/app/main.py)',
    });
    expect(stackSignatureOf('ERROR one line only')).toBeUndefined();
  });
});

/** `count` events spread evenly over `[fromMin, toMin)` minutes after 08:00. */
function spread(message: string, count: number, fromMin: number, toMin: number): LogEvent[] {
  const start = Date.parse('2026-11-20T08:00:00Z');
  return Array.from({ length: count }, (_, i) => ({
    timestamp: new Date(start + (fromMin + ((toMin - fromMin) * i) / count) * 60_000).toISOString(),
    message: message.replace('#', String(i)),
  }));
}

describe('log anomalies', () => {
  const windowStart = new Date('2026-11-20T10:00:00Z');
  const periods = { baselineMinutes: 120, windowMinutes: 30 };

  it('reports a template never seen before, a spiking one, error codes and stack traces, strongest first', () => {
    const events = [
      ...spread('INFO request ok id=#', 240, 0, 150),
      ...spread('ERROR upstream timeout order=#', 4, 0, 120),
      ...spread('ERROR upstream timeout order=#', 30, 120, 150),
      ...spread('ERROR request failed status=502 id=#', 10, 120, 150),
      ...spread('ERROR crash #\njava.lang.NullPointerException\n\tat com.shop.Cart.total(Cart.java:42)', 3, 120, 150),
    ].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    const report = findLogAnomalies(events, windowStart, periods);
    const kinds = new Map(report.anomalies.map((a) => [a.description, a]));
    expect(kinds.get('upstream timeout order=<NUM>')).toMatchObject({
      kind: 'spiking-template',
      count: 30,
      baselineCount: 4,
      ratio: 30,
    });
    expect(kinds.get('request failed status=<NUM> id=<NUM>')).toMatchObject({
      kind: 'new-template',
      count: 10,
      baselineCount: 0,
    });
    expect(kinds.get('http:502')).toMatchObject({ kind: 'error-code', count: 10 });
    expect(report.anomalies.find((a) => a.kind === 'stack-trace')).toMatchObject({
      description: 'java.lang.NullPointerException at com.shop.Cart.total(Cart.java:42)',
      count: 3,
    });
    expect([...kinds.keys()]).not.toContain('request ok id=<NUM>');
    const confidences = report.anomalies.map((a) => a.confidence);
    expect(confidences).toEqual([...confidences].sort((a, b) => b - a));
    expect(report.eventCount).toBe(240 * (30 / 150) + 30 + 10 + 3);
  });

  it('calls nothing new or spiking without a baseline, but still reports repeated errors', () => {
    const events = [...spread('INFO ok #', 20, 120, 150), ...spread('ERROR db down attempt=#', 5, 120, 150)];
    const report = findLogAnomalies(events, windowStart, periods);
    expect(report.baselineEventCount).toBe(0);
    expect(report.anomalies.map((a) => a.kind)).toEqual(['error-burst']);
    expect(report.anomalies[0]!.confidence).toBeLessThan(0.8);
  });

  it('shows the latest occurrence as the example, not an earlier burst of the same shape in the window', () => {
    const trace = (cause: string) =>
      `ERROR Request failed: call to orders-db failed: HTTP 503 (${cause})\nHttpServerErrorException: 503\n\tat org.web.Handler.handle(Handler.java:168)`;
    const events = [
      ...spread('INFO request ok id=#', 240, 0, 150),
      ...spread(trace('disk 100% full: No space left on device'), 4, 122, 126),
      ...spread(trace('primary is down: not accepting connections'), 4, 145, 149),
    ].sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    const report = findLogAnomalies(events, windowStart, periods);
    const stack = report.anomalies.find((a) => a.kind === 'stack-trace');
    expect(stack).toMatchObject({ count: 8 });
    expect(stack?.example).toContain('primary is down');
    // Each message shape keeps its own template: the earlier one is still reported, with its own last sighting.
    const earlier = report.anomalies.find((a) => a.kind !== 'stack-trace' && a.example.includes('No space left'));
    expect(Date.parse(earlier!.lastSeen!)).toBeLessThan(Date.parse(stack!.lastSeen!));
  });

  it('finds nothing in steady traffic', () => {
    const report = findLogAnomalies(spread('INFO request ok id=#', 300, 0, 150), windowStart, periods);
    expect(report.anomalies).toEqual([]);
  });
});

describe('the log-analysis agent', () => {
  const incident = anIncident({ kind: 'alert', service: 'checkout-api', createdAt: '2026-11-20T10:30:00.000Z' });
  const clock = clockAt('2026-11-20T10:31:00.000Z');
  const source = (events: LogEvent[], known = ['checkout-api']): LogSource & { queries: unknown[] } => {
    const queries: unknown[] = [];
    return {
      queries,
      fetch: async (query) => {
        queries.push(query);
        if (!known.includes(query.service)) throw new UnknownLogSourceError(query.service);
        return { events, sources: [`${query.service}.log`], truncated: false };
      },
    };
  };
  const events = [...spread('INFO ok #', 200, 0, 150), ...spread('ERROR payment timeout order=#', 20, 122, 150)];

  it('reads the baseline and the incident window of the affected service and reports anomalies', async () => {
    const logs = source(events);
    const result = await analyseIncidentLogs(incident, { logs, clock });
    expect(logs.queries[0]).toEqual({
      service: 'checkout-api',
      start: new Date('2026-11-20T08:00:00.000Z'),
      end: new Date('2026-11-20T10:31:00.000Z'),
      limit: undefined,
    });
    expect(result).toMatchObject({ status: 'analysed', service: 'checkout-api', summaryBy: 'rules' });
    expect(result.anomalies?.[0]).toMatchObject({
      kind: 'new-template',
      description: 'payment timeout order=<NUM>',
    });
    expect(result.summary).toMatch(/payment timeout/);
    expect(result.confidence).toBeGreaterThan(0.5);
  });

  it('tries the other names of the service, and skips rather than fails when none has logs', async () => {
    const labelled = anIncident({
      service: 'unknown-ci',
      labels: { app: 'checkout-api' },
      createdAt: incident.createdAt,
    });
    expect((await analyseIncidentLogs(labelled, { logs: source(events), clock })).service).toBe('checkout-api');
    const nowhere = await analyseIncidentLogs(anIncident({ service: 'mainframe' }), { logs: source(events), clock });
    expect(nowhere).toMatchObject({ status: 'skipped', reason: "no logs known for 'mainframe'" });
    expect((await analyseIncidentLogs(anIncident(), { logs: source(events), clock })).status).toBe('skipped');
  });

  it("uses a model's explanation only when it cites anomalies Lumos actually found", async () => {
    const answering = (citedKeys: string[]): LanguageModel => ({
      generate: async () => ({
        output: { summary: 'Payments time out.', citedKeys } as never,
        usage: { inputTokens: 1, outputTokens: 1 },
        modelId: 'model-x',
      }),
    });
    const good = await analyseIncidentLogs(incident, { logs: source(events), clock, llm: answering(['T2']) });
    expect(good).toMatchObject({ summary: 'Payments time out.', summaryBy: 'model-x' });
    const invented = await analyseIncidentLogs(incident, { logs: source(events), clock, llm: answering(['T99']) });
    expect(invented.summaryBy).toBe('rules');
    const failing: LanguageModel = { generate: async () => Promise.reject(new Error('throttled')) };
    expect((await analyseIncidentLogs(incident, { logs: source(events), clock, llm: failing })).summaryBy).toBe(
      'rules',
    );
  });
});
