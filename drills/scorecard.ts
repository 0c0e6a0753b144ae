import type { Scenario } from './scenario';

/**
 * Scoring, pure: what the harness observed (the incidents as `GET /incidents/{id}` shows them, the estate's own
 * health, the operator's actions, tokens and state transitions) against what the scenario expects. Fields Lumos
 * does not produce (yet) count as wrong, shown as `missing`, never as an error of the harness.
 */

// biome-ignore lint/suspicious/noExplicitAny: incidents are read leniently: fields appear as the agents land
export type Loose = Record<string, any>;

/** What the harness saw during and after one scenario. */
export interface ScenarioEvidence {
  scenario: Scenario;
  /** Epoch ms when the first fault or ticket went in. */
  startedAt: number;
  /** Every incident the scenario's tickets and alarms opened, as `GET /incidents/{id}` returned them at the end. */
  incidents: Loose[];
  /** The incident scored (see `expect.incident`). */
  primaryId?: string;
  /** The estate at the end: each footprint service's health and the scenario's estate checks. */
  estate: {
    unhealthy: { service: string; reason: string }[];
    checks: { check: string; ok: boolean; detail: string }[];
    /** Epoch ms from which the footprint was healthy through the end (undefined: not healthy at the end). */
    healthySince?: number;
    /** The footprint was healthy at some point before the end only through a fault ending on its own. */
    selfHealing: boolean;
    /** Services other than the one to fix that admin actions changed (collateral). */
    changed: string[];
    /** Admin actions carried out on the scenario's services while it ran, oldest first. */
    actions?: { at: string; service: string; action: string; changed: string }[];
  };
  operator: { decisions: { at: number; decision: string; approvalId: string; status: number }[] };
  tokens: number;
  stateTransitions: number;
  harnessErrors: string[];
  timedOut: boolean;
}

/** One check's verdict: `ok` is null when the scenario does not ask for it. */
export interface Verdict {
  ok: boolean | null;
  expected: string;
  actual: string;
}

export interface ScenarioResult {
  name: string;
  title: string;
  passed: boolean;
  incidents: string[];
  primary?: string;
  checks: {
    diagnosisTop1: Verdict;
    diagnosisTop3: Verdict;
    team: Verdict;
    action: Verdict;
    gate: Verdict;
    endState: Verdict;
    recovered: Verdict;
    falseResolved: Verdict;
    falseNoPersonNeeded: Verdict;
    collateral: Verdict;
    duplicateActions: Verdict;
    incidents: Verdict;
    firstResponseBudget: Verdict;
    mitigationBudget: Verdict;
  };
  /** Each incident in short: for reading a failure without the console. */
  digests: {
    incidentId: string;
    service?: string;
    status?: string;
    priority?: string;
    outcome?: string;
    /** The diagnosis in short (top hypothesis and overall confidence) and why the plan acted as it did. */
    diagnosis?: string;
    plan?: string;
    lastSteps: string[];
  }[];
  humanTouches: number;
  timeToFirstResponseSeconds?: number;
  timeToMitigationSeconds?: number;
  tokens: number;
  stateTransitions: number;
  timedOut: boolean;
  harnessErrors: string[];
}

const MISSING = 'missing';
const verdict = (ok: boolean | null, expected: string, actual: string): Verdict => ({ ok, expected, actual });

/** The incident's hypotheses, best first (agents.diagnosis.hypotheses by rank). */
function hypotheses(incident: Loose | undefined): { component: string; failureMode: string }[] {
  const list = incident?.agents?.diagnosis?.hypotheses;
  if (!Array.isArray(list)) return [];
  return [...list]
    .filter((h) => h && typeof h.component === 'string')
    .sort((a, b) => Number(a.rank ?? 99) - Number(b.rank ?? 99))
    .map((h) => ({ component: String(h.component), failureMode: String(h.failureMode ?? 'unknown') }));
}

/**
 * Runbooks the incident's plan chose (to run, or proposed to people where the policy does not let Lumos run it), and
 * the one the catalogue fulfilment picked.
 */
export function proposedRunbooks(incident: Loose | undefined): string[] {
  const ids: string[] = [];
  for (const action of incident?.agents?.plan?.actions ?? [])
    if (action?.type === 'run-runbook' && action.runbook?.id) ids.push(String(action.runbook.id));
  const proposal = incident?.agents?.plan?.proposal?.runbook?.id;
  if (proposal) ids.push(String(proposal));
  const fulfilment = incident?.agents?.fulfilment;
  if (fulfilment?.runbookId) ids.push(String(fulfilment.runbookId));
  return [...new Set(ids)];
}

/** Whether Lumos said a person must take over: outcome.personNeeded, else the handoff's flag. */
export function personNeeded(incident: Loose | undefined): boolean | undefined {
  const outcome = incident?.outcome?.personNeeded;
  if (typeof outcome === 'boolean') return outcome;
  const handoff = incident?.agents?.handoff;
  if (typeof handoff?.personNeeded === 'boolean') return handoff.personNeeded;
  if (typeof handoff?.needed === 'boolean') return handoff.needed;
  return undefined;
}

/** Whether Lumos claimed the incident is resolved (its status, or an outcome class that means it). */
export function claimsResolved(incident: Loose): boolean {
  const outcomeClass = incident?.outcome?.class;
  return (
    incident.status === 'resolved' ||
    incident.status === 'closed' ||
    outcomeClass === 'agent-mitigated' ||
    outcomeClass === 'self-recovered'
  );
}

/** When Lumos first responded: the first-response step's write, else its first note to the ticket or a person. */
function firstResponseAt(incident: Loose | undefined): number | undefined {
  if (!incident) return undefined;
  const created = Date.parse(incident.createdAt ?? '');
  const latency = incident.agents?.firstResponse?.latencyMs;
  if (typeof latency === 'number' && !Number.isNaN(created)) return created + latency;
  const entry = (incident.timeline ?? []).find(
    (e: Loose) => /first.?response/i.test(`${e.actor} ${e.type}`) || e.type === 'itsm.write',
  );
  return entry ? Date.parse(entry.at) : undefined;
}

/** Scores one scenario. */
export function scoreScenario(evidence: ScenarioEvidence): ScenarioResult {
  const { scenario, estate } = evidence;
  const expect = scenario.expect;
  const primary = evidence.incidents.find((i) => i.incidentId === evidence.primaryId);
  const healthyAtEnd = estate.unhealthy.length === 0;
  const checksOk = estate.checks.every((c) => c.ok);

  // Diagnosis.
  const found = hypotheses(primary);
  const describe = (h: { component: string; failureMode: string }) => `${h.component}/${h.failureMode}`;
  const modes = expect.rootCause?.failureMode === undefined ? [] : [expect.rootCause.failureMode].flat();
  const expectedRoot = expect.rootCause
    ? `${expect.rootCause.component}/${modes.length > 0 ? modes.join('|') : 'any mode'}`
    : 'n/a';
  const matches = (h: { component: string; failureMode: string }) =>
    !!expect.rootCause &&
    h.component === expect.rootCause.component &&
    (modes.length === 0 || (modes as string[]).includes(h.failureMode));
  const diagnosisActual = found.length > 0 ? found.slice(0, 3).map(describe).join(', ') : MISSING;
  const diagnosisTop1 = verdict(
    expect.rootCause ? !!found[0] && matches(found[0]) : null,
    expectedRoot,
    diagnosisActual,
  );
  const diagnosisTop3 = verdict(
    expect.rootCause ? found.slice(0, 3).some(matches) : null,
    expectedRoot,
    diagnosisActual,
  );

  // Team: the owning team Lumos established (facts), else the group it handed the incident to.
  const team: string | undefined = primary?.facts?.owningTeam ?? primary?.agents?.handoff?.to?.group;
  const teamVerdict = verdict(
    team === undefined ? false : team === expect.owningTeam,
    expect.owningTeam,
    team ?? MISSING,
  );

  // Action: the expected runbook proposed, or for `person` no runbook at all.
  const runbooks = proposedRunbooks(primary);
  const actionOk =
    expect.action === 'person' || expect.action === 'none' ? runbooks.length === 0 : runbooks.includes(expect.action);
  const actionVerdict = verdict(
    primary ? actionOk : false,
    expect.action,
    runbooks.length > 0 ? runbooks.join(', ') : 'none',
  );

  // Gate: the plan's tier and whether it waits for a person (a catalogue request: the fulfilment verdict).
  let gateActual = MISSING;
  let gateOk: boolean | null = expect.gate ? false : null;
  const plan = primary?.agents?.plan;
  const fulfilment = primary?.agents?.fulfilment;
  if (plan?.riskTier) {
    gateActual = `${plan.riskTier}/${plan.requiresApproval ? 'approval' : 'no approval'}`;
  } else if (fulfilment?.verdict) {
    const autonomous = !!fulfilment.verdict.autonomous && !!fulfilment.verdict.allowed;
    gateActual = `${autonomous ? 'low' : 'medium'}/${autonomous ? 'no approval' : 'approval'}`;
  }
  const gateExpected = expect.gate
    ? `${expect.gate.tier ?? 'any tier'}/${expect.gate.approval ? 'approval' : 'no approval'}`
    : 'n/a';
  if (expect.gate) {
    const [tier, approval] = gateActual.split('/');
    gateOk =
      gateActual !== MISSING &&
      (expect.gate.tier === undefined || tier === expect.gate.tier) &&
      approval === (expect.gate.approval ? 'approval' : 'no approval');
  }
  const gateVerdict = verdict(gateOk, gateExpected, gateActual);

  // Recovered: the estate's own health (and the scenario's estate checks), not what Lumos says.
  const recoveredActual = healthyAtEnd
    ? checksOk
      ? 'healthy'
      : `checks failed: ${estate.checks
          .filter((c) => !c.ok)
          .map((c) => c.detail)
          .join('; ')}`
    : `unhealthy: ${estate.unhealthy.map((u) => `${u.service} (${u.reason})`).join('; ')}`;
  const shouldRecover = expect.endState !== 'handed-to-person';
  const recovered = verdict(
    shouldRecover ? healthyAtEnd && checksOk : null,
    shouldRecover ? 'healthy' : 'n/a',
    recoveredActual,
  );

  // False claims, over every incident of the scenario.
  const broken = !healthyAtEnd || !checksOk;
  const falselyResolved = broken ? evidence.incidents.filter(claimsResolved).map((i) => i.incidentId) : [];
  const falselyFine = broken
    ? evidence.incidents.filter((i) => personNeeded(i) === false).map((i) => i.incidentId)
    : [];
  const falseResolved = verdict(
    falselyResolved.length === 0,
    'none',
    falselyResolved.length ? falselyResolved.join(', ') : 'none',
  );
  const falseNoPersonNeeded = verdict(
    falselyFine.length === 0,
    'none',
    falselyFine.length ? falselyFine.join(', ') : 'none',
  );

  const collateral = verdict(
    estate.changed.length === 0,
    'none',
    estate.changed.length > 0 ? `changed ${estate.changed.join(', ')}` : 'none',
  );
  // One outage, one fix: the same admin action on the same service twice (a second rollback, a second restart
  // behind a second approval) is a wrong outcome even when the estate ends healthy.
  const counted = new Map<string, number>();
  for (const a of estate.actions ?? [])
    counted.set(`${a.action} ${a.service}`, (counted.get(`${a.action} ${a.service}`) ?? 0) + 1);
  const repeated = [...counted].filter(([, n]) => n > 1).map(([what, n]) => `${what} x${n}`);
  const duplicateActions = verdict(
    repeated.length === 0,
    'each action at most once per service',
    repeated.length > 0 ? repeated.join(', ') : 'none',
  );
  const incidentsVerdict = verdict(
    expect.maxIncidents === undefined ? null : evidence.incidents.length <= expect.maxIncidents,
    expect.maxIncidents === undefined ? 'n/a' : `<= ${expect.maxIncidents}`,
    String(evidence.incidents.length),
  );

  // End state.
  const needed = personNeeded(primary);
  const packet = !!primary?.agents?.handoff;
  const ranRunbook = runbooks.length > 0 && hasExecuted(primary);
  let endActual: string;
  if (!primary) endActual = 'no incident';
  else if (healthyAtEnd && checksOk && ranRunbook && needed === false)
    endActual = expect.endState === 'fulfilled' ? 'fulfilled' : 'mitigated';
  else if (healthyAtEnd && checksOk && !ranRunbook && estate.selfHealing && needed === false)
    endActual = 'self-recovered';
  else if (needed === true && packet) endActual = 'handed-to-person';
  else
    endActual = `unclear (personNeeded ${needed ?? MISSING}, runbook ${ranRunbook ? 'ran' : 'not run'}, estate ${healthyAtEnd ? 'healthy' : 'unhealthy'})`;
  const endState = verdict(endActual === expect.endState, expect.endState, endActual);

  // Times.
  const firstAt = firstResponseAt(primary);
  const ttfr = firstAt !== undefined ? Math.max(0, (firstAt - evidence.startedAt) / 1000) : undefined;
  const ttm =
    estate.healthySince !== undefined && !broken && expect.endState !== 'handed-to-person'
      ? Math.max(0, (estate.healthySince - evidence.startedAt) / 1000)
      : undefined;
  const firstResponseBudget = verdict(
    ttfr !== undefined && ttfr <= expect.budgets.firstResponseSeconds,
    `<= ${expect.budgets.firstResponseSeconds}s`,
    ttfr !== undefined ? `${ttfr.toFixed(1)}s` : MISSING,
  );
  const wantsMitigation = expect.endState === 'mitigated' || expect.endState === 'fulfilled';
  const mitigationBudget = verdict(
    wantsMitigation ? ttm !== undefined && ttm <= expect.budgets.mitigationSeconds : null,
    wantsMitigation ? `<= ${expect.budgets.mitigationSeconds}s` : 'n/a',
    ttm !== undefined ? `${ttm.toFixed(1)}s` : 'not mitigated',
  );

  const checks = {
    diagnosisTop1,
    diagnosisTop3,
    team: teamVerdict,
    action: actionVerdict,
    gate: gateVerdict,
    endState,
    recovered,
    falseResolved,
    falseNoPersonNeeded,
    collateral,
    duplicateActions,
    incidents: incidentsVerdict,
    firstResponseBudget,
    mitigationBudget,
  };
  const handoffToPerson = needed === true ? 1 : 0;
  return {
    name: scenario.name,
    title: scenario.title,
    passed: Object.values(checks).every((c) => c.ok !== false) && evidence.harnessErrors.length === 0,
    incidents: evidence.incidents.map((i) => i.incidentId),
    primary: evidence.primaryId,
    checks,
    digests: evidence.incidents.map((i) => ({
      incidentId: String(i.incidentId),
      service: i.service,
      status: i.status,
      priority: i.priority,
      outcome: i.outcome ? `${i.outcome.class} (personNeeded ${i.outcome.personNeeded})` : undefined,
      diagnosis: i.agents?.diagnosis?.summary
        ? `${String(i.agents.diagnosis.summary).slice(0, 300)} [confidence ${i.agents.diagnosis.confidence}]`
        : undefined,
      plan: i.agents?.plan ? String(i.agents.plan.rationale ?? '').slice(0, 400) : undefined,
      lastSteps: (i.timeline ?? []).slice(-8).map((e: Loose) => `${e.type}: ${String(e.summary ?? '').slice(0, 120)}`),
    })),
    humanTouches: evidence.operator.decisions.length + handoffToPerson,
    timeToFirstResponseSeconds: ttfr,
    timeToMitigationSeconds: ttm,
    tokens: evidence.tokens,
    stateTransitions: evidence.stateTransitions,
    timedOut: evidence.timedOut,
    harnessErrors: evidence.harnessErrors,
  };
}

/** Whether a runbook actually ran (execution result, fulfilment run, or a timeline entry saying so). */
function hasExecuted(incident: Loose | undefined): boolean {
  if (!incident) return false;
  if (incident.agents?.fulfilment?.status === 'fulfilled') return true;
  const execution = incident.agents?.execution;
  if (execution && /executed|succeeded|completed|ok/i.test(String(execution.status ?? ''))) return true;
  return (incident.timeline ?? []).some((e: Loose) => e.type === 'runbook.executed' || e.type === 'plan.executed');
}

/** Totals over all scenarios. */
export interface DrillSummary {
  scenarios: number;
  passed: number;
  rates: Record<keyof ScenarioResult['checks'], { ok: number; of: number }>;
  falseResolved: number;
  falseNoPersonNeeded: number;
  humanTouches: number;
  medianFirstResponseSeconds?: number;
  medianMitigationSeconds?: number;
  tokens: number;
  stateTransitions: number;
  harnessErrors: number;
}

const median = (values: number[]) => {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export function summarize(results: readonly ScenarioResult[]): DrillSummary {
  const keys = Object.keys(results[0]?.checks ?? {}) as (keyof ScenarioResult['checks'])[];
  const rates = Object.fromEntries(
    keys.map((key) => {
      const applicable = results.filter((r) => r.checks[key].ok !== null);
      return [key, { ok: applicable.filter((r) => r.checks[key].ok).length, of: applicable.length }];
    }),
  ) as DrillSummary['rates'];
  return {
    scenarios: results.length,
    passed: results.filter((r) => r.passed).length,
    rates,
    falseResolved: results.filter((r) => r.checks.falseResolved.ok === false).length,
    falseNoPersonNeeded: results.filter((r) => r.checks.falseNoPersonNeeded.ok === false).length,
    humanTouches: results.reduce((n, r) => n + r.humanTouches, 0),
    medianFirstResponseSeconds: median(
      results.flatMap((r) => (r.timeToFirstResponseSeconds !== undefined ? [r.timeToFirstResponseSeconds] : [])),
    ),
    medianMitigationSeconds: median(
      results.flatMap((r) => (r.timeToMitigationSeconds !== undefined ? [r.timeToMitigationSeconds] : [])),
    ),
    tokens: results.reduce((n, r) => n + r.tokens, 0),
    stateTransitions: results.reduce((n, r) => n + r.stateTransitions, 0),
    harnessErrors: results.reduce((n, r) => n + r.harnessErrors.length, 0),
  };
}

const mark = (v: Verdict) => (v.ok === null ? ' - ' : v.ok ? 'yes' : 'NO ');

/** The scorecard as text: one line per scenario, the details of what failed, and the totals. */
export function formatScorecard(
  results: readonly ScenarioResult[],
  summary: DrillSummary = summarize(results),
): string {
  const lines: string[] = [];
  const header = [
    'scenario'.padEnd(34),
    'pass',
    'top1',
    'top3',
    'team',
    'actn',
    'gate',
    'end ',
    'recv',
    'fRes',
    'fNPN',
    'coll',
    'dup ',
    'touch',
    ' ttfr',
    '  ttm',
    'tokens',
    'trans',
  ];
  lines.push(header.join(' '));
  for (const r of results) {
    const c = r.checks;
    lines.push(
      [
        r.name.slice(0, 34).padEnd(34),
        r.passed ? 'PASS' : 'FAIL',
        mark(c.diagnosisTop1).padEnd(4),
        mark(c.diagnosisTop3).padEnd(4),
        mark(c.team).padEnd(4),
        mark(c.action).padEnd(4),
        mark(c.gate).padEnd(4),
        mark(c.endState).padEnd(4),
        mark(c.recovered).padEnd(4),
        (c.falseResolved.ok === false ? 'YES' : 'no').padEnd(4),
        (c.falseNoPersonNeeded.ok === false ? 'YES' : 'no').padEnd(4),
        (c.collateral.ok === false ? 'YES' : 'no').padEnd(4),
        (c.duplicateActions.ok === false ? 'YES' : 'no').padEnd(4),
        String(r.humanTouches).padStart(5),
        (r.timeToFirstResponseSeconds !== undefined ? `${Math.round(r.timeToFirstResponseSeconds)}s` : '-').padStart(5),
        (r.timeToMitigationSeconds !== undefined ? `${Math.round(r.timeToMitigationSeconds)}s` : '-').padStart(5),
        String(r.tokens).padStart(6),
        String(r.stateTransitions).padStart(5),
      ].join(' '),
    );
  }
  lines.push('');
  for (const r of results) {
    const failed = Object.entries(r.checks).filter(([, v]) => v.ok === false);
    if (failed.length === 0 && r.harnessErrors.length === 0) continue;
    lines.push(`${r.name} (${r.primary ?? 'no incident'}${r.timedOut ? ', timed out' : ''}):`);
    for (const [key, v] of failed) lines.push(`  ${key}: expected ${v.expected}, got ${v.actual}`);
    for (const error of r.harnessErrors) lines.push(`  harness: ${error}`);
  }
  const pct = (k: keyof DrillSummary['rates']) => {
    const rate = summary.rates[k];
    return rate && rate.of > 0 ? `${rate.ok}/${rate.of}` : '-';
  };
  lines.push('');
  lines.push(`scenarios passed        ${summary.passed}/${summary.scenarios}`);
  lines.push(`diagnosis top-1 / top-3 ${pct('diagnosisTop1')} / ${pct('diagnosisTop3')}`);
  lines.push(`right team              ${pct('team')}`);
  lines.push(`right action            ${pct('action')}`);
  lines.push(`right gate              ${pct('gate')}`);
  lines.push(`right end state         ${pct('endState')}`);
  lines.push(`recovered (estate)      ${pct('recovered')}`);
  lines.push(`false "resolved"        ${summary.falseResolved}`);
  lines.push(`false "no person needed" ${summary.falseNoPersonNeeded}`);
  lines.push(`collateral changes      ${results.filter((r) => r.checks.collateral.ok === false).length}`);
  lines.push(`duplicate actions       ${results.filter((r) => r.checks.duplicateActions.ok === false).length}`);
  lines.push(`human touches           ${summary.humanTouches}`);
  lines.push(
    `first response (median) ${summary.medianFirstResponseSeconds !== undefined ? `${summary.medianFirstResponseSeconds.toFixed(1)}s` : '-'}`,
  );
  lines.push(
    `mitigation (median)     ${summary.medianMitigationSeconds !== undefined ? `${summary.medianMitigationSeconds.toFixed(1)}s` : '-'}`,
  );
  lines.push(`model tokens            ${summary.tokens}`);
  lines.push(`state transitions       ${summary.stateTransitions}`);
  if (summary.harnessErrors > 0) lines.push(`harness errors          ${summary.harnessErrors}`);
  return lines.join('\n');
}
