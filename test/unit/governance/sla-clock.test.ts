import {
  checkSla,
  pauseSla,
  resumeSla,
  type SlaDeps,
  type SlaState,
  startSlaClock,
} from '../../../lambdas/governance/sla/sla-clock';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import {
  CapturingNotifier,
  ManualClock,
  MemoryAuditTrail,
  MemoryScheduler,
  testPolicy,
  triagedIncident,
} from './fakes';

async function setup(priority: 'P1' | 'P3' = 'P1') {
  const clock = new ManualClock(new Date('2026-11-18T10:00:00Z'));
  const store = new MemoryIncidentStore();
  const incident = triagedIncident({
    priority,
    triage: { ...triagedIncident().triage!, priority },
    createdAt: '2026-11-18T10:00:00.000Z',
  });
  await store.create(incident);
  const deps: SlaDeps = {
    store,
    notifier: new CapturingNotifier(),
    audit: new MemoryAuditTrail(clock),
    scheduler: new MemoryScheduler(),
    clock,
    config: testPolicy().config,
  };
  await startSlaClock(deps, incident.incidentId);
  const sla = async () => (await store.get(incident.incidentId))!.agents.sla as SlaState;
  const pages = () => (deps.notifier as CapturingNotifier).sent.filter((n) => n.channel === 'page');
  return { deps, clock, store, id: incident.incidentId, sla, pages, scheduler: deps.scheduler as MemoryScheduler };
}

describe('SLA clocks', () => {
  it("start from when the incident opened, with the priority's targets and one-time timers", async () => {
    const { sla, scheduler } = await setup('P1');
    expect(await sla()).toMatchObject({
      priority: 'P1',
      resolveSeconds: 3600,
      noProgressSeconds: 900,
      resolveBy: '2026-11-18T11:00:00.000Z',
      status: 'running',
    });
    expect([...scheduler.timers.values()].map((t) => [t.payload, t.dueAt.toISOString()])).toEqual([
      [{ kind: 'sla-check', incidentId: 'inc-test-1', clock: 'resolve' }, '2026-11-18T11:00:00.000Z'],
      [{ kind: 'sla-check', incidentId: 'inc-test-1', clock: 'no-progress' }, '2026-11-18T10:15:00.000Z'],
    ]);
  });

  it('use the default targets per priority: P2 4 h, P3 8 h, P4 24 h', () => {
    const { sla } = testPolicy().config;
    expect([sla.P1.resolveSeconds, sla.P2.resolveSeconds, sla.P3.resolveSeconds, sla.P4.resolveSeconds]).toEqual([
      3600, 14_400, 28_800, 86_400,
    ]);
    expect([sla.P2.trigger?.kind, sla.P3.trigger?.kind, sla.P4.trigger?.kind]).toEqual([
      'low-confidence',
      'uncategorised',
      'person-requested',
    ]);
  });

  it('page on-call when a P1 made no progress for 15 minutes, and again after another quiet window', async () => {
    const { deps, id, clock, pages, sla } = await setup('P1');
    clock.advance(600);
    await expect(checkSla(deps, id, 'no-progress')).resolves.toBe('re-armed');
    expect(pages()).toHaveLength(0);
    clock.advance(300);
    await expect(checkSla(deps, id, 'no-progress')).resolves.toMatch(/paged/);
    expect(pages()[0]).toMatchObject({ recipient: 'on-call', data: { kind: 'sla.no-progress' } });
    clock.advance(60);
    await checkSla(deps, id, 'no-progress');
    expect(pages()).toHaveLength(1);
    clock.advance(900);
    await checkSla(deps, id, 'no-progress');
    expect(pages()).toHaveLength(2);
    expect((await sla()).breaches.map((b) => b.kind)).toEqual(['no-progress', 'no-progress']);
  });

  it('count a person acting on the incident as progress', async () => {
    const { deps, id, clock, pages, store } = await setup('P1');
    clock.advance(600);
    await store.update(id, {
      append: [
        {
          at: clock.now().toISOString(),
          actor: 'human:ana@example.com',
          type: 'approval.decided',
          summary: 'approved',
        },
      ],
    });
    clock.advance(400);
    await expect(checkSla(deps, id, 'no-progress')).resolves.toBe('re-armed');
    expect(pages()).toHaveLength(0);
  });

  it('breach once at the resolution target with a page, and stop when the incident is resolved', async () => {
    const { deps, id, clock, pages, store, sla } = await setup('P3');
    clock.advance(28_800);
    await expect(checkSla(deps, id, 'resolve')).resolves.toMatch(/breached/);
    await checkSla(deps, id, 'resolve');
    expect(pages().filter((p) => p.data?.kind === 'sla.resolve')).toHaveLength(1);
    await store.update(id, { set: { status: 'resolved' } });
    await checkSla(deps, id, 'resolve');
    expect((await sla()).status).toBe('breached');
  });

  it('is met when the incident resolves in time', async () => {
    const { deps, id, clock, store, sla, scheduler } = await setup('P3');
    clock.advance(3600);
    await store.update(id, { set: { status: 'resolved' } });
    await checkSla(deps, id, 'resolve');
    expect((await sla()).status).toBe('met');
    expect(scheduler.timers.size).toBe(0);
  });

  it('pause while waiting on the customer: the deadline moves by the time paused', async () => {
    const { deps, id, clock, sla, scheduler, pages } = await setup('P1');
    clock.advance(600);
    await pauseSla(deps, id, 'awaiting customer');
    expect(scheduler.timers.size).toBe(0);
    clock.advance(7200);
    await checkSla(deps, id, 'resolve');
    expect(pages()).toHaveLength(0);
    const resumed = await resumeSla(deps, id);
    expect(resumed).toMatchObject({ status: 'running', pausedSeconds: 7200, resolveBy: '2026-11-18T13:00:00.000Z' });
    expect((await sla()).pauses).toEqual([
      { from: '2026-11-18T10:10:00.000Z', to: '2026-11-18T12:10:00.000Z', reason: 'awaiting customer' },
    ]);
    await expect(pauseSla(deps, id, 'x').then(() => pauseSla(deps, id, 'y'))).rejects.toMatchObject({
      statusCode: 409,
    });
  });

  it('restart with the new targets when the priority changes, and not otherwise', async () => {
    const { deps, id, store, sla } = await setup('P3');
    await startSlaClock(deps, id);
    expect((await sla()).priority).toBe('P3');
    const incident = (await store.get(id))!;
    await store.update(id, { set: { triage: { ...incident.triage!, priority: 'P1' } } });
    await startSlaClock(deps, id);
    expect(await sla()).toMatchObject({ priority: 'P1', resolveBy: '2026-11-18T11:00:00.000Z' });
  });
});
