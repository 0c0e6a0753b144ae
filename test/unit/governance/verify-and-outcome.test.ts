import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningEstate, startEstate } from '../../../estate/estate';
import { FaultSpec } from '../../../estate/faults';
import { LocalRunbookExecutor } from '../../../lambdas/adapters/local/local-runbook-executor';
import type { Incident } from '../../../lambdas/core/incident';
import { loadRunbooks } from '../../../lambdas/governance/runbooks/runbook-catalogue';
import { renderPostmortem, writePostmortem } from '../../../lambdas/workflow/postmortem/core';
import { recordOutcome } from '../../../lambdas/workflow/record-outcome/core';
import { classifyOutcome } from '../../../lambdas/workflow/record-outcome/outcome-class';
import {
  DEFAULT_BUDGET,
  judgeRecovery,
  type Remediation,
  verifyRecovery,
} from '../../../lambdas/workflow/verify-recovery/core';
import { finalWrite, resolutionNote } from '../../../lambdas/workflow/write-back/core';
import { MemoryIncidentStore } from '../../support/memory-incident-store';
import { ManualClock, MemoryAuditTrail, triagedIncident } from './fakes';

const runbooks = loadRunbooks(join(__dirname, '../../../runbooks'));
const T0 = new Date('2026-12-03T10:00:00Z');
const progress = (attempt: number, now = T0) => ({
  attempt,
  now,
  deadline: new Date(T0.getTime() + 300_000),
  budget: DEFAULT_BUDGET,
});
const pass = { name: 'healthy', ok: true, detail: 'passed' };
const fail = { name: 'healthy', ok: false, detail: 'status 503, expected 200' };
const ran = (status = 'succeeded', at = '2026-12-03T09:59:00Z'): Remediation => ({
  runbookId: 'restart-service',
  status,
  parameters: {},
  at,
});
const alert = (overrides: Partial<Incident> = {}) =>
  triagedIncident({ kind: 'alert', source: 'cloudwatch', ...overrides });
const resolvedByAlarm = (at: string) => ({
  status: 'resolved' as const,
  timeline: [
    { at: '2026-12-03T09:50:00Z', actor: 'intake', type: 'incident.created', summary: 'opened' },
    { at, actor: 'intake', type: 'incident.resolved', summary: 'cloudwatch reported recovery: CPU high' },
  ],
});

describe('judging recovery', () => {
  it('confirms a fix the plan found already in place by the health check, and hands over at once when it fails', () => {
    const inPlace = alert({
      agents: { plan: { remediation: { personTakesOver: false, alreadyInPlace: true, why: 'in place' } } },
    });
    // Healthy, but the alarm still fires: wait for it, and give up (a person) when the budget runs out.
    expect(judgeRecovery(inPlace, undefined, { postChecks: [], health: pass }, progress(1)).status).toBe('pending');
    const late = progress(1, new Date(T0.getTime() + 301_000));
    expect(judgeRecovery(inPlace, undefined, { postChecks: [], health: pass }, late).status).toBe('not-recovered');
    const cleared = { ...inPlace, ...resolvedByAlarm('2026-12-03T10:00:20Z') };
    expect(judgeRecovery(cleared, undefined, { postChecks: [], health: pass }, progress(2))).toMatchObject({
      status: 'self-recovered',
      summary: expect.stringMatching(/alarm resolved without a remediation/),
    });
    expect(judgeRecovery(inPlace, undefined, { postChecks: [], health: fail }, progress(1))).toMatchObject({
      status: 'not-recovered',
      summary: expect.stringMatching(/did not hold: status 503/),
    });
    // Without that finding, a plan that ran nothing has nothing to verify.
    expect(judgeRecovery(alert(), undefined, { postChecks: [], health: pass }, progress(1)).status).toBe('skipped');
  });

  it('is recovered only when every post-check passes and the alarm resolved or the health check passes', () => {
    expect(judgeRecovery(triagedIncident(), ran(), { postChecks: [pass], health: pass }, progress(1)).status).toBe(
      'recovered',
    );
    expect(judgeRecovery(triagedIncident(), ran(), { postChecks: [pass], health: fail }, progress(1)).status).toBe(
      'pending',
    );
    expect(judgeRecovery(triagedIncident(), ran(), { postChecks: [fail], health: pass }, progress(1)).status).toBe(
      'pending',
    );
    const alarmCleared = alert(resolvedByAlarm('2026-12-03T10:00:30Z'));
    expect(judgeRecovery(alarmCleared, ran(), { postChecks: [pass] }, progress(1)).status).toBe('recovered');
    // An alarm-born incident without a health target waits for the alarm to clear.
    expect(judgeRecovery(alert(), ran(), { postChecks: [pass] }, progress(1))).toMatchObject({
      status: 'pending',
      summary: expect.stringMatching(/waiting for the alarm/),
    });
  });

  it('gives up as not recovered when the attempts or the deadline run out', () => {
    const observation = { postChecks: [fail], health: fail };
    expect(judgeRecovery(triagedIncident(), ran(), observation, progress(12)).status).toBe('not-recovered');
    expect(
      judgeRecovery(triagedIncident(), ran(), observation, progress(3, new Date(T0.getTime() + 295_000))).status,
    ).toBe('not-recovered');
  });

  it('calls a failed runbook not recovered at once, and an alarm that cleared before the fix self-recovered', () => {
    expect(judgeRecovery(triagedIncident(), ran('rolled_back'), { postChecks: [] }, progress(1)).status).toBe(
      'not-recovered',
    );
    const early = alert(resolvedByAlarm('2026-12-03T09:58:00Z'));
    expect(
      judgeRecovery(early, ran('succeeded', '2026-12-03T09:59:00Z'), { postChecks: [pass] }, progress(1)).status,
    ).toBe('self-recovered');
  });

  it('says skipped when nothing ran, unless the alarm resolved by itself', () => {
    expect(judgeRecovery(triagedIncident(), undefined, { postChecks: [] }, progress(1)).status).toBe('skipped');
    expect(judgeRecovery(triagedIncident(), ran('planned'), { postChecks: [] }, progress(1)).status).toBe('skipped');
    expect(
      judgeRecovery(alert(resolvedByAlarm('2026-12-03T10:00:00Z')), undefined, { postChecks: [] }, progress(1)).status,
    ).toBe('self-recovered');
  });

  it('waits for a failing health check when the alarm cleared by itself, and gives up when it keeps failing', () => {
    const cleared = alert(resolvedByAlarm('2026-12-03T10:00:00Z'));
    expect(judgeRecovery(cleared, undefined, { postChecks: [], health: pass }, progress(1)).status).toBe(
      'self-recovered',
    );
    expect(judgeRecovery(cleared, undefined, { postChecks: [], health: fail }, progress(1))).toMatchObject({
      status: 'pending',
      summary: expect.stringMatching(/health: status 503/),
    });
    expect(judgeRecovery(cleared, undefined, { postChecks: [], health: fail }, progress(12)).status).toBe(
      'not-recovered',
    );
  });

  it('treats a runbook that found nothing to do on a healthy service as self-recovered', () => {
    expect(
      judgeRecovery(triagedIncident(), ran('not_needed'), { postChecks: [pass], health: pass }, progress(1)).status,
    ).toBe('self-recovered');
  });
});

describe('the VerifyRecovery step against the estate contract', () => {
  let estate: RunningEstate;
  let dir: string;
  const executor = new LocalRunbookExecutor(mkdtempSync(join(tmpdir(), 'lumos-verify-')));
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lumos-verify-estate-'));
    estate = await startEstate({ stateDir: dir, monitorIntervalMs: 600_000, backfillMinutes: 0 });
  }, 30_000);
  afterAll(async () => {
    await estate?.stop();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => estate.reset());

  async function setup(runStatus: string, runbookId = 'restart-service', service = 'checkout-api') {
    const store = new MemoryIncidentStore();
    const clock = new ManualClock(T0);
    const audit = new MemoryAuditTrail(clock);
    const baseUrl = estate.urls[service]!;
    const incident = triagedIncident({
      service,
      agents: {
        plan: {
          actions: [
            {
              type: 'run-runbook',
              runbook: {
                id: runbookId,
                parameters: { service, baseUrl, incidentId: 'inc-test-1', flag: 'new-recommendations' },
              },
            },
          ],
        },
        execution: { runbook: { runbookId, status: runStatus, finishedAt: '2026-12-03T09:59:00Z' } },
      },
    });
    await store.create(incident);
    const deps = {
      store,
      clock,
      audit,
      executor,
      runbooks,
      healthUrlOf: () => baseUrl,
      budget: { maxAttempts: 3, intervalSeconds: 5, budgetSeconds: 60 },
    };
    return { deps, store, clock, audit, incidentId: incident.incidentId };
  }

  it('polls while the service is down and records a verified recovery with its checks once it is healthy', async () => {
    estate.inject('checkout-api', FaultSpec.parse({ kind: 'crash-loop' }));
    const { deps, store, clock, audit, incidentId } = await setup('succeeded');
    const first = await verifyRecovery(deps, { incidentId, previous: { attempts: 0 } });
    expect(first).toMatchObject({ status: 'pending', attempts: 1, waitSeconds: 5 });
    expect((await store.get(incidentId))?.agents.verification).toMatchObject({ status: 'pending', attempts: 1 });

    await fetch(`${estate.urls['checkout-api']}/admin/restart`, { method: 'POST' });
    clock.advance(5);
    const second = await verifyRecovery(deps, { incidentId, previous: first });
    expect(second).toMatchObject({ status: 'recovered', attempts: 2, startedAt: first.startedAt });
    const stored = await store.get(incidentId);
    expect(stored?.agents.verification).toMatchObject({
      status: 'recovered',
      verifiedAt: '2026-12-03T10:00:05.000Z',
      checks: [
        { name: 'the service is healthy again', ok: true },
        { name: 'service health', ok: true },
      ],
    });
    expect(stored?.timeline.at(-1)).toMatchObject({ type: 'recovery.verified' });
    expect(audit.types(incidentId)).toEqual(['recovery.verified']);
  });

  it('rolls the remediation back where the runbook can when recovery never comes', async () => {
    // The flag was turned off, but the service still crash-loops: the wrong remediation, so no recovery.
    estate.inject('web-frontend', FaultSpec.parse({ kind: 'crash-loop' }));
    await fetch(`${estate.urls['web-frontend']}/admin/feature-flags/new-recommendations`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ enabled: false }),
    });
    const { deps, store, incidentId } = await setup('succeeded', 'disable-feature-flag', 'web-frontend');
    let previous: { attempts: number; startedAt?: string; deadline?: string } = { attempts: 0 };
    let result = await verifyRecovery(deps, { incidentId, previous });
    while (result.status === 'pending') {
      previous = result;
      result = await verifyRecovery(deps, { incidentId, previous });
    }
    expect(result).toMatchObject({ status: 'not-recovered', attempts: 3 });
    expect((await store.get(incidentId))?.agents.verification).toMatchObject({
      status: 'not-recovered',
      rollback: { ok: true },
    });
    expect(estate.state('web-frontend').featureFlags['new-recommendations']).toBe(true);
  });
});

describe('the outcome class', () => {
  const now = new Date('2026-12-03T10:10:00Z');
  it('is agent-mitigated with no person needed only after a verified recovery or a fulfilled request', () => {
    const verified = triagedIncident({
      agents: { verification: { status: 'recovered', summary: 'ok', verifiedAt: '2026-12-03T10:05:00Z' } },
    });
    expect(classifyOutcome(verified, now)).toMatchObject({
      class: 'agent-mitigated',
      personNeeded: false,
      mitigatedAt: '2026-12-03T10:05:00Z',
      resolvedAt: '2026-12-03T10:05:00Z',
    });
    expect(classifyOutcome(triagedIncident({ agents: { fulfilment: { status: 'fulfilled' } } }), now)).toMatchObject({
      class: 'agent-mitigated',
      personNeeded: false,
    });
    for (const status of ['not-recovered', 'skipped', 'pending']) {
      expect(classifyOutcome(triagedIncident({ agents: { verification: { status } } }), now)).toMatchObject({
        class: 'open',
        personNeeded: true,
      });
    }
  });

  it('is self-recovered for an alarm that cleared with no action by Lumos', () => {
    expect(classifyOutcome(alert(resolvedByAlarm('2026-12-03T10:03:00Z')), now)).toMatchObject({
      class: 'self-recovered',
      personNeeded: false,
      resolvedAt: '2026-12-03T10:03:00Z',
    });
  });

  it('is agent-assisted when people resolved it with what Lumos did or found, else human-resolved', () => {
    const resolved = { status: 'resolved' as const, timeline: resolvedByAlarm('2026-12-03T10:03:00Z').timeline };
    expect(
      classifyOutcome(triagedIncident({ ...resolved, agents: { diagnosis: { status: 'ok' } } }), now),
    ).toMatchObject({ class: 'agent-assisted', personNeeded: true });
    expect(classifyOutcome(triagedIncident({ ...resolved, agents: {} }), now)).toMatchObject({
      class: 'human-resolved',
      personNeeded: true,
    });
  });
});

describe('recording the outcome', () => {
  it('resolves a verified recovery and leaves an unverified one with the team, recording the class', async () => {
    const store = new MemoryIncidentStore();
    const clock = new ManualClock(T0);
    const audit = new MemoryAuditTrail(clock);
    await store.create(
      triagedIncident({ incidentId: 'inc-ok', agents: { verification: { status: 'recovered', summary: 'ok' } } }),
    );
    await store.create(
      triagedIncident({
        incidentId: 'inc-no',
        agents: { verification: { status: 'not-recovered', summary: 'still 503' } },
      }),
    );
    const ok = await recordOutcome({ store, clock, audit }, { incidentId: 'inc-ok', outcome: 'executed' });
    expect(ok.status).toBe('resolved');
    expect((await store.get('inc-ok'))?.outcome).toMatchObject({ class: 'agent-mitigated', personNeeded: false });
    const no = await recordOutcome({ store, clock, audit }, { incidentId: 'inc-no', outcome: 'executed' });
    expect(no.status).toBe('in_progress');
    const stored = await store.get('inc-no');
    expect(stored?.outcome).toMatchObject({
      class: 'open',
      personNeeded: true,
      reason: expect.stringMatching(/still 503/),
    });
    expect(stored?.timeline.some((e) => e.type === 'incident.resolved')).toBe(false);
  });
});

describe('closing the loop on the ticket', () => {
  const recovered = triagedIncident({
    agents: {
      diagnosis: {
        status: 'ok',
        summary: 'errors began with release 1.4.2',
        hypotheses: [{ rank: 1, component: 'checkout-api', failureMode: 'bad-deployment', confidence: 0.86 }],
      },
      execution: { runbook: { runbookId: 'rollback-deployment', status: 'succeeded', summary: '1 step(s) ran' } },
      verification: {
        status: 'recovered',
        summary: 'post-checks pass',
        attempts: 2,
        checks: [
          { name: 'the service is healthy', ok: true, detail: 'passed (status 200)', at: '2026-12-03T10:04:00Z' },
        ],
      },
      handoff: { needed: false },
    },
  });

  it('resolves the ticket with a resolution note naming cause, action and evidence', () => {
    const write = finalWrite(recovered);
    expect(write).toMatchObject({ purpose: 'resolution', resolves: true, update: { state: 'resolved' } });
    const note = resolutionNote(recovered);
    expect(note).toContain(
      '**Cause:** bad-deployment in checkout-api, 86% confidence: errors began with release 1.4.2',
    );
    expect(note).toContain('**Action:** runbook rollback-deployment succeeded (1 step(s) ran)');
    expect(note).toContain('- pass the service is healthy: passed (status 200)');
  });

  it('never resolves the ticket when a person must take over', () => {
    const handedOff = { ...recovered, agents: { ...recovered.agents, handoff: { needed: true, text: 'packet' } } };
    expect(finalWrite(handedOff)).toMatchObject({ purpose: 'handoff', resolves: false });
  });

  it('attaches a postmortem draft to the ticket once the incident is resolved, and none while it is open', async () => {
    const store = new MemoryIncidentStore();
    const clock = new ManualClock(T0);
    const writes: { purpose: string; note?: string }[] = [];
    const deps = {
      store,
      clock,
      writeBack: async (_i: Incident, purpose: string, update: { workNote?: string }) => {
        writes.push({ purpose, note: update.workNote });
      },
    };
    await store.create({ ...recovered, incidentId: 'inc-open' });
    expect(await writePostmortem(deps, 'inc-open')).toEqual({ status: 'not-due' });
    const closed: Incident = {
      ...recovered,
      incidentId: 'inc-closed',
      status: 'resolved',
      outcome: {
        class: 'agent-mitigated',
        personNeeded: false,
        mitigatedAt: '2026-12-03T10:04:00Z',
        reason: 'verified',
      },
    };
    await store.create(closed);
    expect(await writePostmortem(deps, 'inc-closed')).toEqual({ status: 'written' });
    expect(writes.map((w) => w.purpose)).toEqual(['postmortem']);
    const text = writes[0]!.note!;
    for (const heading of [
      '## Impact',
      '## Root cause',
      '## Timeline (UTC)',
      '## What Lumos did',
      '## What people did',
      '## Follow-ups',
    ])
      expect(text).toContain(heading);
    expect(text).toContain('bad-deployment in checkout-api');
    expect(text).toContain('Fix the rolled-back release');
    expect((await store.get('inc-closed'))?.agents.postmortem).toMatchObject({ markdown: text });
    expect(renderPostmortem(closed)).toBe(text);
  });
});
