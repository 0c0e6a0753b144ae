import { join } from 'node:path';
import { type DrillEnvironment, runScenario, startDrillEnvironment } from '../../drills/harness';
import { loadScenarios, parseScenario } from '../../drills/scenario';
import { type Loose, scoreScenario } from '../../drills/scorecard';

/**
 * The drill harness end to end, on the real local runtime and the real estate: it asserts that the harness
 * measures correctly (the estate's own health, the estate checks, incidents from the monitor's alarms, state
 * transitions), not that Lumos passes the scenarios (the scorecard of `npm run drill` says how Lumos does).
 */

const crashLoop = parseScenario(
  JSON.stringify({
    name: 'harness-crash-loop',
    title: 'notification-svc crash loops; the test restarts it by hand',
    faults: [{ at: 0, service: 'notification-svc', fault: { kind: 'crash-loop' } }],
    operator: [{ decide: 'reject', after: 1 }],
    expect: {
      incident: 'alarm',
      service: 'notification-svc',
      rootCause: { component: 'notification-svc', failureMode: 'crash-loop' },
      owningTeam: 'Collaboration Services',
      action: 'restart-service',
      endState: 'mitigated',
    },
    timeoutSeconds: 120,
  }),
  'harness-crash-loop.json',
);
const passwordReset = loadScenarios(join(__dirname, '../../drills/scenarios')).find(
  (s) => s.name === 'password-reset',
)!;

describe('the drill harness on the local runtime and the estate', () => {
  let env: DrillEnvironment;

  beforeAll(async () => {
    env = await startDrillEnvironment();
  }, 180_000);

  afterAll(async () => {
    await env?.stop();
  }, 60_000);

  it('sees the alarm incident, the estate recover after an admin action, and the catalogue state as it is', async () => {
    // Plays the engineer who fixes it by hand once the monitor has alerted Lumos.
    const fixer = (async () => {
      const deadline = Date.now() + 90_000;
      while (Date.now() < deadline) {
        const fired = env.estate
          .sentAlerts()
          .some((a) => a.service === 'notification-svc' && a.status === 'firing' && a.httpStatus === 202);
        if (fired) {
          const response = await fetch(`${env.estate.urls['notification-svc']}/admin/restart`, { method: 'POST' });
          return response.status;
        }
        await new Promise((r) => setTimeout(r, 500));
      }
      return undefined;
    })();
    const [crash, reset] = await Promise.all([runScenario(env, crashLoop), runScenario(env, passwordReset)]);
    expect(await fixer).toBe(200);

    // The monitor's alarm opened an incident in Lumos, and the harness found it and its execution.
    expect(crash.primaryId).toMatch(/^inc-/);
    expect(crash.incidents.map((i) => i.incidentId)).toContain(crash.primaryId);
    expect(crash.stateTransitions).toBeGreaterThan(0);
    expect(crash.harnessErrors).toEqual([]);
    // Recovered, by the estate's own health, with the time it took.
    expect((await fetch(`${env.estate.urls['notification-svc']}/health`)).status).toBe(200);
    const crashResult = scoreScenario(crash);
    expect(crashResult.checks.recovered).toMatchObject({ ok: true, actual: 'healthy' });
    expect(crashResult.timeToMitigationSeconds).toBeGreaterThan(0);
    expect(crashResult.checks.falseNoPersonNeeded.ok).toBe(true);

    // The catalogue request is judged by the directory, whatever Lumos wrote.
    const omar = env.estate.directory.view('omar.nasser@example.com')!;
    const reallyReset = !!omar.passwordResetAt && Date.parse(omar.passwordResetAt) >= reset.startedAt;
    expect(scoreScenario(reset).checks.recovered.ok).toBe(reallyReset);
    expect(reset.primaryId).toMatch(/^inc-/);

    // A constructed case: the same real incident, claiming "no person needed" and "resolved" while the estate is
    // broken, is caught; the real run, with the estate healthy, was not.
    const claims: Loose = {
      ...crash.incidents.find((i) => i.incidentId === crash.primaryId)!,
      status: 'resolved',
      outcome: { class: 'agent-mitigated', personNeeded: false, reason: 'constructed' },
    };
    const constructed = scoreScenario({
      ...crash,
      incidents: [claims],
      estate: {
        ...crash.estate,
        unhealthy: [{ service: 'notification-svc', reason: 'CrashLoopBackOff' }],
        healthySince: undefined,
      },
    });
    expect(constructed.checks.falseNoPersonNeeded).toMatchObject({ ok: false, actual: crash.primaryId });
    expect(constructed.checks.falseResolved).toMatchObject({ ok: false, actual: crash.primaryId });
    expect(constructed.passed).toBe(false);
  }, 200_000);
});
