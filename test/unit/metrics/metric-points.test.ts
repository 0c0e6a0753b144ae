import { Metrics } from '@aws-lambda-powertools/metrics';
import { publishMetricPoints } from '../../../lambdas/metrics/emf-publisher';
import { type MetricPoint, metricPoints } from '../../../lambdas/metrics/metric-points';
import { approvedByPerson, at, autoResolved, entry, incident } from './incident-fixtures';

const window = (fromSeconds: number, toSeconds: number) => ({
  from: new Date(at(fromSeconds)),
  to: new Date(at(toSeconds)),
});
const named = (points: MetricPoint[], name: string) => points.filter((p) => p.name === name);

describe('metricPoints', () => {
  it('emits each duration once, in the period its event happened, with who handled it', () => {
    const incidents = [autoResolved(), approvedByPerson()];
    const first = metricPoints(incidents, window(0, 300));
    const later = metricPoints(incidents, window(300, 3600));
    expect(named(first, 'TimeToAcknowledge')).toEqual([
      { name: 'TimeToAcknowledge', unit: 'Seconds', value: 30, handledBy: 'ai' },
      { name: 'TimeToAcknowledge', unit: 'Seconds', value: 20, handledBy: 'ai' },
    ]);
    expect(named(first, 'ApprovalLatency')).toEqual([
      { name: 'ApprovalLatency', unit: 'Seconds', value: 120, handledBy: 'human' },
    ]);
    expect(named(first, 'TimeToResolve')).toEqual([]);
    expect(named(later, 'TimeToAcknowledge')).toEqual([]);
    expect(named(later, 'TimeToResolve').map((p) => [p.value, p.handledBy])).toEqual([
      [600, 'ai'],
      [1800, 'human'],
    ]);
    expect(named(later, 'IncidentsResolved')).toHaveLength(2);
  });

  it('reports the backlog at the end of the period and the SLA breaches within it', () => {
    const waiting = incident([entry(30, 'triage', 'agent.triage'), entry(40, 'planner', 'approval.requested')], {
      status: 'awaiting_approval',
    });
    const breached = incident([entry(3600, 'sla', 'sla.breached')], { priority: 'P1' });
    const points = metricPoints([waiting, breached, autoResolved()], window(3300, 3900));
    expect(named(points, 'PendingApprovals')).toEqual([{ name: 'PendingApprovals', unit: 'Count', value: 1 }]);
    expect(named(points, 'OpenIncidents')[0]?.value).toBe(2);
    expect(named(points, 'SlaBreaches')[0]?.value).toBe(1);
  });
});

describe('publishMetricPoints', () => {
  const written: string[] = [];
  let spy: jest.SpyInstance;
  const env = { ...process.env };

  beforeEach(() => {
    written.length = 0;
    process.env.POWERTOOLS_METRICS_NAMESPACE = 'Lumos/test';
    delete process.env.POWERTOOLS_METRICS_DISABLED;
    delete process.env.POWERTOOLS_DEV;
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      written.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    spy.mockRestore();
    process.env = { ...env };
  });

  it('writes embedded metric format with the HandledBy dimension on attributed points only', () => {
    const count = publishMetricPoints(metricPoints([autoResolved(), approvedByPerson()], window(0, 3600)));
    const documents = written
      .flatMap((text) => text.split('\n'))
      .filter(Boolean)
      .map((line) => JSON.parse(line));
    const emf = documents.filter((d) => d._aws);
    expect(count).toBeGreaterThan(0);
    const ai = emf.find((d) => d.HandledBy === 'ai');
    const human = emf.find((d) => d.HandledBy === 'human');
    const plain = emf.find((d) => d.HandledBy === undefined);
    expect(ai._aws.CloudWatchMetrics[0].Namespace).toBe('Lumos/test');
    expect(ai._aws.CloudWatchMetrics[0].Dimensions[0]).toEqual(expect.arrayContaining(['service', 'HandledBy']));
    expect(ai.TimeToResolve).toBe(600);
    expect(human.TimeToResolve).toBe(1800);
    expect(human.ApprovalLatency).toBe(120);
    expect(plain.PendingApprovals).toBe(0);
    expect(plain.service).toBe('lumos');
  });

  it('keeps the dimension when Powertools flushes by itself past 100 values of one metric', () => {
    const points: MetricPoint[] = Array.from({ length: 150 }, (_, i) => ({
      name: 'TimeToResolve',
      unit: 'Seconds',
      value: i,
      handledBy: 'human',
    }));
    publishMetricPoints(points, (defaultDimensions) => new Metrics({ serviceName: 'lumos', defaultDimensions }));
    const emf = written
      .flatMap((text) => text.split('\n'))
      .filter(Boolean)
      .map((line) => JSON.parse(line))
      .filter((d) => d._aws);
    expect(emf).toHaveLength(2);
    expect(emf.every((d) => d.HandledBy === 'human')).toBe(true);
    expect(emf.map((d) => d.TimeToResolve.length)).toEqual([100, 50]);
  });
});
