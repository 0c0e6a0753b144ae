import type { Incident, TimelineEntry } from '../../core/incident';
import { stepActor } from '../../function-catalogue';
import type { LoadedRunbook } from '../../governance/runbooks/runbook-catalogue';
import { type CheckResult, runPostChecksOnce, runRollback } from '../../governance/runbooks/runbook-runner';
import type { AuditTrail } from '../../ports/audit';
import type { Clock } from '../../ports/clock';
import type { IncidentStore } from '../../ports/incident-store';
import type { RunbookExecutor } from '../../ports/runbook-executor';

/** The actor of this step's timeline entries and audit records (see the function catalogue). */
const VERIFIER = stepActor('VerifyRecovery');

/** The verification statuses of the outcome contract, plus `pending` while the workflow keeps polling. */
export type VerificationStatus = 'recovered' | 'not-recovered' | 'self-recovered' | 'skipped';

/** One check of one poll, as kept under `agents.verification.checks`. */
export interface VerificationCheck {
  name: string;
  ok: boolean;
  detail: string;
  at: string;
}

/** `agents.verification` (the outcome contract), with what the loop needs to carry on. */
export interface Verification {
  status: VerificationStatus | 'pending';
  attempts: number;
  checks: VerificationCheck[];
  verifiedAt?: string;
  /** Why it ended the way it did, for people and for the resolution note. */
  summary: string;
  /** The runbook whose post-checks were polled. */
  runbookId?: string;
  startedAt: string;
  deadline: string;
  /** Set when recovery was not verified and the runbook's rollback ran. */
  rollback?: { ok: boolean; steps: CheckResult[] };
}

/** How long and how often to wait for recovery. */
export interface VerificationBudget {
  /** Polls at most this many times. @default 12 */
  maxAttempts: number;
  /** Seconds between polls (the workflow's Wait state). @default 10 */
  intervalSeconds: number;
  /** Gives up this many seconds after the first poll. @default 300 */
  budgetSeconds: number;
}

export const DEFAULT_BUDGET: VerificationBudget = { maxAttempts: 12, intervalSeconds: 10, budgetSeconds: 300 };

/** Reads the budget from `LUMOS_VERIFY_MAX_ATTEMPTS`, `LUMOS_VERIFY_INTERVAL_SECONDS`, `LUMOS_VERIFY_BUDGET_SECONDS`. */
export function budgetFrom(env: NodeJS.ProcessEnv = process.env): VerificationBudget {
  const read = (name: string, fallback: number, min: number, max: number) => {
    const n = Number(env[name]);
    return env[name] !== undefined && Number.isFinite(n) && n >= min && n <= max ? n : fallback;
  };
  return {
    maxAttempts: read('LUMOS_VERIFY_MAX_ATTEMPTS', DEFAULT_BUDGET.maxAttempts, 1, 100),
    intervalSeconds: read('LUMOS_VERIFY_INTERVAL_SECONDS', DEFAULT_BUDGET.intervalSeconds, 1, 3600),
    budgetSeconds: read('LUMOS_VERIFY_BUDGET_SECONDS', DEFAULT_BUDGET.budgetSeconds, 1, 86_400),
  };
}

/** What one poll found, before it is judged. */
export interface Observation {
  /** The runbook's post-checks, run just now (empty when no runbook ran). */
  postChecks: CheckResult[];
  /** The service's own health endpoint, when the service has an HTTP target. */
  health?: CheckResult;
}

/** What remediation the workflow ran, read from the incident. */
export interface Remediation {
  runbookId: string;
  status: string;
  parameters: Record<string, string>;
  /** When it finished (the runbook.executed entry). */
  at?: string;
}

interface StoredRun {
  runbookId?: string;
  status?: string;
  finishedAt?: string;
}

/** The remediation runbook the plan ran, with the parameters it ran with, if any ran. */
export function remediationOf(incident: Incident): Remediation | undefined {
  const execution = incident.agents.execution as { runbook?: StoredRun } | undefined;
  const run = execution?.runbook;
  if (!run?.runbookId || !run.status) return undefined;
  const plan = incident.agents.plan as
    | { actions?: { type: string; runbook?: { id: string; parameters?: Record<string, string> } }[] }
    | undefined;
  const action = plan?.actions?.find((a) => a.type === 'run-runbook' && a.runbook?.id === run.runbookId);
  return {
    runbookId: run.runbookId,
    status: run.status,
    parameters: action?.runbook?.parameters ?? {},
    ...(run.finishedAt ? { at: run.finishedAt } : {}),
  };
}

/** The alarm's resolved signal: intake resolved the incident because its alarm(s) stopped firing. */
export function alarmResolution(incident: Incident): TimelineEntry | undefined {
  if (incident.kind !== 'alert') return undefined;
  return incident.timeline.find((e) => e.type === 'incident.resolved' && e.actor === 'intake');
}

/** Whether the plan found the fix already in place (every fitting runbook had nothing to do), so nothing ran. */
export function fixAlreadyInPlace(incident: Incident): boolean {
  const plan = incident.agents.plan as { remediation?: { alreadyInPlace?: boolean } } | undefined;
  return plan?.remediation?.alreadyInPlace === true;
}

/**
 * Judges one poll. Pure: the same incident, observation and moment always give the same verdict.
 * - No remediation ran (or only rehearsed): `self-recovered` when the alarm resolved by itself and the service's
 *   health (when known) passes, `pending` while that health still fails. When the plan found the fix already in
 *   place: `not-recovered` at once when the health fails (the fix did not hold; a person takes over), `pending`
 *   while it passes and the alarm still fires. Else `skipped` (nothing to verify; a person carries on).
 * - The runbook failed (rolled back or not): `not-recovered` at once.
 * - The alarm resolved before the runbook ran, or the runbook found nothing to do and the service is fine:
 *   `self-recovered`.
 * - The runbook succeeded: `recovered` when every post-check passes now and the alarm resolved or the service's health
 *   passes; otherwise `pending` until the attempts or the deadline run out, then `not-recovered`.
 */
export function judgeRecovery(
  incident: Incident,
  remediation: Remediation | undefined,
  observation: Observation,
  progress: { attempt: number; now: Date; deadline: Date; budget: VerificationBudget },
): { status: Verification['status']; summary: string } {
  const alarm = alarmResolution(incident);
  const postOk = observation.postChecks.length > 0 && observation.postChecks.every((c) => c.ok);
  const failing = observation.postChecks.filter((c) => !c.ok).map((c) => `${c.name}: ${c.detail}`);
  if (!remediation || remediation.status === 'planned') {
    if (alarm && observation.health?.ok !== false)
      return { status: 'self-recovered', summary: `the alarm resolved without a remediation (${alarm.summary})` };
    // The alarm cleared but the service's health still fails (it flaps): wait for it within the budget.
    if (alarm) return waitOrGiveUp(`health: ${observation.health!.detail}`, progress);
    // The plan found the fix already in place: a failing health check says it did not hold (a person, at once); a
    // passing one still waits for the incident's alarm to clear, as any recovery does (the branch above).
    if (!remediation && fixAlreadyInPlace(incident)) {
      if (observation.health?.ok === false)
        return {
          status: 'not-recovered',
          summary: `the fix the plan found in place did not hold: ${observation.health.detail}`,
        };
      if (observation.health?.ok === true && incident.kind === 'alert')
        return waitOrGiveUp("the fix is in place and the service's health passes; the alarm still fires", progress);
    }
    return {
      status: 'skipped',
      summary: remediation
        ? 'the runbook only rehearsed (dry run); nothing to verify'
        : 'no remediation ran; nothing to verify',
    };
  }
  if (remediation.status === 'rolled_back' || remediation.status === 'rollback_failed') {
    return { status: 'not-recovered', summary: `runbook ${remediation.runbookId} failed (${remediation.status})` };
  }
  if (alarm && remediation.at && Date.parse(alarm.at) <= Date.parse(remediation.at)) {
    return { status: 'self-recovered', summary: `the alarm resolved before runbook ${remediation.runbookId} finished` };
  }
  const healthOk = observation.health?.ok === true;
  if (remediation.status === 'not_needed') {
    if (alarm || (postOk && (healthOk || !observation.health))) {
      return {
        status: 'self-recovered',
        summary: `runbook ${remediation.runbookId} found nothing to do and the service is fine${alarm ? ' (the alarm resolved)' : ''}`,
      };
    }
  } else if (postOk && (alarm || healthOk)) {
    return {
      status: 'recovered',
      summary: `runbook ${remediation.runbookId} ran; its ${observation.postChecks.length} post-check(s) pass and ${alarm ? 'the alarm resolved' : "the service's health check passes"}`,
    };
  }
  const why = [
    ...failing,
    ...(observation.health && !observation.health.ok ? [`health: ${observation.health.detail}`] : []),
    ...(postOk && !alarm && !observation.health ? ['waiting for the alarm to resolve'] : []),
  ].join('; ');
  return waitOrGiveUp(why, progress);
}

/** `pending` while the attempts and the deadline allow another poll, else `not-recovered`. */
function waitOrGiveUp(
  why: string,
  progress: { attempt: number; now: Date; deadline: Date; budget: VerificationBudget },
): { status: Verification['status']; summary: string } {
  const outOfTime = progress.now.getTime() + progress.budget.intervalSeconds * 1000 > progress.deadline.getTime();
  if (progress.attempt >= progress.budget.maxAttempts || outOfTime) {
    return {
      status: 'not-recovered',
      summary: `no verified recovery after ${progress.attempt} check(s)${why ? ` (${why})` : ''}`,
    };
  }
  return { status: 'pending', summary: `not recovered yet (${why || 'checking'})` };
}

export interface VerifyDeps {
  store: IncidentStore;
  clock: Clock;
  audit: AuditTrail;
  executor: RunbookExecutor;
  runbooks: Map<string, LoadedRunbook>;
  /** The service's HTTP base URL from the governance configuration (never from ticket text). */
  healthUrlOf: (service: string | undefined) => string | undefined;
  budget: VerificationBudget;
}

export interface VerifyInput {
  incidentId: string;
  /** The previous poll's result as the workflow carries it (`attempts: 0` before the first). */
  previous?: { attempts?: number; startedAt?: string; deadline?: string };
}

export interface VerifyResult {
  status: Verification['status'];
  attempts: number;
  /** Seconds the workflow waits before the next poll (for `pending`). */
  waitSeconds: number;
  startedAt: string;
  deadline: string;
}

async function checkHealth(url: string, executor: RunbookExecutor): Promise<CheckResult> {
  const result = await executor.run(
    { kind: 'http', method: 'GET', url: `${url.replace(/\/$/, '')}/health`, headers: {} },
    { timeoutMs: 5000 },
  );
  return {
    name: 'service health',
    ok: result.status === 200,
    detail:
      result.status === 200 ? 'GET /health answered 200' : (result.error ?? `GET /health answered ${result.status}`),
  };
}

/**
 * Workflow step `VerifyRecovery`: one poll of the bounded wait-and-poll loop after ExecutePlan. Runs the remediation
 * runbook's post-checks once, reads the alarm's resolved signal and the service's health, and judges. When the
 * loop ends without a verified recovery, the runbook's rollback runs where it has one. Every poll is kept under
 * `agents.verification`; the final verdict also goes on the timeline and into the audit trail.
 */
export async function verifyRecovery(deps: VerifyDeps, input: VerifyInput): Promise<VerifyResult> {
  const incident = await deps.store.get(input.incidentId);
  if (!incident) throw new Error(`incident ${input.incidentId} does not exist`);
  const now = deps.clock.now();
  const attempt = (input.previous?.attempts ?? 0) + 1;
  const startedAt = input.previous?.startedAt ?? now.toISOString();
  const deadline =
    input.previous?.deadline ?? new Date(Date.parse(startedAt) + deps.budget.budgetSeconds * 1000).toISOString();

  const remediation = remediationOf(incident);
  const loaded = remediation ? deps.runbooks.get(remediation.runbookId) : undefined;
  const ran = remediation && ['succeeded', 'not_needed'].includes(remediation.status);
  const postChecks =
    ran && loaded ? await runPostChecksOnce(loaded.runbook, remediation.parameters, deps.executor) : [];
  // Nothing ran and the alarm cleared by itself: the service's own health says whether it really recovered.
  const untouched =
    (!remediation || remediation.status === 'planned') && (!!alarmResolution(incident) || fixAlreadyInPlace(incident));
  const url = ran
    ? deps.healthUrlOf(incident.service)
    : untouched
      ? deps.healthUrlOf(incident.facts?.service ?? incident.service)
      : undefined;
  // Catalogue runbooks act on a directory or a device fleet, whose own health says nothing about the request.
  const health =
    url && (untouched || (loaded && loaded.runbook.remediates.length > 0))
      ? await checkHealth(url, deps.executor)
      : undefined;
  const verdict = judgeRecovery(
    incident,
    remediation,
    { postChecks, ...(health ? { health } : {}) },
    { attempt, now, deadline: new Date(deadline), budget: deps.budget },
  );

  const at = now.toISOString();
  const alarm = alarmResolution(incident);
  const checks: VerificationCheck[] = [
    ...postChecks.map((c) => ({ ...c, at })),
    ...(health ? [{ ...health, at }] : []),
    ...(incident.kind === 'alert'
      ? [{ name: 'alarm resolved', ok: !!alarm, detail: alarm ? alarm.summary : 'the alarm still fires', at }]
      : []),
  ];
  let rollback: Verification['rollback'];
  if (
    verdict.status === 'not-recovered' &&
    loaded &&
    remediation?.status === 'succeeded' &&
    loaded.runbook.rollback.length
  ) {
    rollback = await runRollback(loaded.runbook, remediation.parameters, deps.executor);
  }
  const final = verdict.status !== 'pending';
  const verification: Verification = {
    status: verdict.status,
    attempts: attempt,
    checks,
    ...(final ? { verifiedAt: at } : {}),
    summary: `${verdict.summary}${rollback ? `; rollback ${rollback.ok ? 'done' : 'failed'}` : ''}`,
    ...(remediation ? { runbookId: remediation.runbookId } : {}),
    startedAt,
    deadline,
    ...(rollback ? { rollback } : {}),
  };
  await deps.store.update(incident.incidentId, {
    agents: { verification },
    append: final
      ? [
          {
            at,
            actor: VERIFIER,
            type: 'recovery.verified',
            summary: `Verification: ${verification.status} (${verification.summary})`,
            data: { status: verification.status, attempts: attempt },
          },
        ]
      : [],
  });
  if (final) {
    await deps.audit.append(incident.incidentId, {
      type: 'recovery.verified',
      actor: VERIFIER,
      summary: `${verification.status}: ${verification.summary}`,
      data: { ...verification },
    });
  }
  return {
    status: verification.status,
    attempts: attempt,
    waitSeconds: deps.budget.intervalSeconds,
    startedAt,
    deadline,
  };
}
