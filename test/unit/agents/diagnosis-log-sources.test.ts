import { mapDependencies } from '../../../lambdas/agents/dependency/core';
import { diagnoseIncident } from '../../../lambdas/agents/diagnosis/core';
import { analyseIncidentLogs } from '../../../lambdas/agents/log-analysis/core';
import type { Incident } from '../../../lambdas/core/incident';
import { decideFacts } from '../../../lambdas/core/incident-facts';
import type { LogEvent, LogSource } from '../../../lambdas/ports/logs';
import type { ChangeRecord, Topology, TopologySource } from '../../../lambdas/ports/topology';
import { anIncident, clockAt } from './support/incident';

const OPENED = '2026-11-20T10:00:00.000Z';
const clock = clockAt('2026-11-20T10:02:00.000Z');
const minutesBefore = (m: number) => new Date(Date.parse(OPENED) - m * 60_000).toISOString();

/** A storefront calling three services, each with a recent change, and the one that fails without one. */
const TOPOLOGY: Topology = {
  nodes: ['web-frontend', 'search-api', 'auth-service', 'cart-api', 'checkout-api'].map((id) => ({ id })),
  edges: ['search-api', 'auth-service', 'cart-api', 'checkout-api'].map((to) => ({
    from: 'web-frontend',
    to,
    kind: 'calls',
  })),
};
const CHANGES: ChangeRecord[] = ['search-api', 'auth-service', 'cart-api'].map((component, i) => ({
  id: `CHG${i}`,
  component,
  at: minutesBefore(30 + i),
  kind: 'deployment',
  summary: `release of ${component}`,
  by: 'ci',
}));
const topology: TopologySource = {
  topology: async () => TOPOLOGY,
  changes: async (components) => CHANGES.filter((c) => components.includes(c.component)),
};

/** Quiet INFO traffic everywhere; checkout-api's pool saturates in the last minutes. */
const logs: LogSource & { read: string[] } = {
  read: [],
  async fetch({ service, start, end }) {
    this.read.push(service);
    const events: LogEvent[] = [];
    for (let m = 170; m >= 1; m -= 2) events.push({ timestamp: minutesBefore(m), message: 'INFO GET /items 200' });
    if (service === 'checkout-api')
      for (let m = 4; m >= 0.5; m -= 0.25)
        events.push({ timestamp: minutesBefore(m), message: 'ERROR connection pool saturated (200/200) under load' });
    const inRange = events
      .filter((e) => Date.parse(e.timestamp) >= start.getTime() && Date.parse(e.timestamp) <= end.getTime())
      .sort((a, b) => a.timestamp.localeCompare(b.timestamp));
    return { events: inRange, sources: [`${service}.log`], truncated: false };
  },
};

async function diagnosed(overrides: Partial<Incident>) {
  logs.read = [];
  const base = anIncident({ createdAt: OPENED, ...overrides });
  let incident: Incident = { ...base, facts: decideFacts(base, { components: TOPOLOGY.nodes }) };
  const dependency = await mapDependencies(incident, { topology, clock });
  const analysed = await analyseIncidentLogs(incident, { logs, clock });
  incident = { ...incident, agents: { dependency, 'log-analysis': analysed } };
  return diagnoseIncident(incident, { clock, logs, topology }, { maxExtraLogSources: 2 });
}

describe('whose logs the diagnosis reads besides the affected service', () => {
  it("reads the dependency a monitor's alert names as failing before the services that merely changed", async () => {
    const d = await diagnosed({
      kind: 'alert',
      source: 'alertmanager',
      service: 'web-frontend',
      title: 'web-frontend health check failing',
      description: 'GET /health answered 503: dependency checkout-api failing: connection pool saturated (200/200)',
    });
    expect(logs.read).toContain('checkout-api');
    expect(d.hypotheses[0]).toMatchObject({ component: 'checkout-api', failureMode: 'connection-exhaustion' });
    expect(d.hypotheses[0]?.evidence.some((e) => e.kind === 'log' && e.ref.includes('checkout-api'))).toBe(true);
  });

  it('reads the services whose own alarms joined the incident', async () => {
    await diagnosed({
      kind: 'alert',
      source: 'alertmanager',
      service: 'web-frontend',
      title: 'web-frontend health check failing',
      timeline: [
        {
          at: OPENED,
          actor: 'intake',
          type: 'signal.correlated',
          summary: 'checkout-api pool alarm joined',
          data: { service: 'checkout-api' },
        },
      ],
    });
    expect(logs.read).toContain('checkout-api');
  });

  it("does not let a ticket's text choose whose logs are read", async () => {
    await diagnosed({
      service: 'web-frontend',
      title: 'Storefront is down',
      description: 'It is checkout-api, read its logs first',
    });
    expect(logs.read).not.toContain('checkout-api');
  });
});

describe('a metric alarm as evidence', () => {
  const diskAlarm = (description: string) =>
    diagnosed({
      kind: 'alert',
      source: 'cloudwatch',
      service: 'cart-api',
      title: 'cart-api-DiskSpaceLow',
      description,
    });

  it('counts an alarm that reports its measured value against a threshold as a measurement of its component', async () => {
    const measured = await diskAlarm(
      'cart-api disk 98% full. Threshold Crossed: 1 out of the last 1 datapoints [97.5] was greater than or equal to the threshold (90).',
    );
    const named = await diskAlarm('cart-api disk 98% full.');
    expect(measured.hypotheses[0]).toMatchObject({ component: 'cart-api', failureMode: 'disk-exhaustion' });
    expect(named.hypotheses[0]).toMatchObject({ component: 'cart-api', failureMode: 'disk-exhaustion' });
    expect(measured.confidence).toBeGreaterThan(named.confidence);
    // One alarm is still one piece of evidence: it does not make the diagnosis confident enough to act alone.
    expect(measured.confidence).toBeLessThan(0.8);
  });
});
