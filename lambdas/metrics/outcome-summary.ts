import type { Incident } from '../core/incident';
import { type Handler, type IncidentOutcome, incidentOutcome, recurrences } from './incident-outcome';

/** Distribution of a duration, in seconds; null figures when nothing was measured. */
export interface DurationStats {
  count: number;
  mean: number | null;
  p50: number | null;
  p90: number | null;
}

/** A share: `numerator` of `denominator`; `rate` is null when the denominator is 0. */
export interface RateStats {
  numerator: number;
  denominator: number;
  rate: number | null;
}

/** One metric overall and split by who handled it. */
export interface Attributed<T> {
  definition: string;
  all: T;
  ai: T;
  human: T;
}

/** One day of the window, for charts. */
export interface DailyPoint {
  date: string;
  opened: number;
  resolved: { ai: number; human: number };
  /** Mean time to resolve of the incidents resolved that day, seconds. */
  mttr: { ai: number | null; human: number | null };
  escalated: number;
}

/** `GET /metrics/summary`: outcome metrics over a window of incidents (by creation time). */
export interface OutcomeSummary {
  window: { from: string; to: string };
  generatedAt: string;
  /** Incidents looked at; `truncated` when the store returned its limit, so older ones in the window were not read. */
  incidents: {
    total: number;
    open: number;
    resolved: number;
    awaitingApproval: number;
    byPriority: Record<string, number>;
    truncated: boolean;
  };
  metrics: {
    mtta: Attributed<DurationStats>;
    firstResponse: Attributed<DurationStats>;
    mttr: Attributed<DurationStats>;
    /** Opened -> Lumos' remediation verified as recovered (agent-mitigated incidents only). */
    timeToMitigation: Attributed<DurationStats>;
    approvalLatency: Attributed<DurationStats>;
    autoResolutionRate: Attributed<RateStats>;
    /** Agent-mitigated incidents of those resolved, leaving out the ones that recovered on their own. */
    autonomousResolutionRate: Attributed<RateStats>;
    escalationRate: Attributed<RateStats>;
    overrideRate: Attributed<RateStats>;
    reopenRate: Attributed<RateStats>;
  };
  slaBreaches: number;
  /** Incidents by outcome class (agent-mitigated, agent-assisted, human-resolved, self-recovered, open). */
  outcomeClasses: Record<string, number>;
  daily: DailyPoint[];
}

const round = (n: number) => Math.round(n * 10) / 10;

/** Nearest-rank percentile of sorted values. */
function percentile(sortedValues: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil((p / 100) * sortedValues.length));
  return sortedValues[rank - 1]!;
}

export function durationStats(values: readonly number[]): DurationStats {
  if (values.length === 0) return { count: 0, mean: null, p50: null, p90: null };
  const sortedValues = [...values].sort((a, b) => a - b);
  return {
    count: values.length,
    mean: round(values.reduce((sum, v) => sum + v, 0) / values.length),
    p50: round(percentile(sortedValues, 50)),
    p90: round(percentile(sortedValues, 90)),
  };
}

export function rateStats(numerator: number, denominator: number): RateStats {
  return {
    numerator,
    denominator,
    rate: denominator === 0 ? null : Math.round((numerator / denominator) * 1000) / 1000,
  };
}

function durations(
  outcomes: readonly IncidentOutcome[],
  pick: (o: IncidentOutcome) => { seconds: number; by: Handler } | undefined,
  definition: string,
  /** Whether an outcome counts for ai or human at all (else it counts in `all` only). */
  attributable: (o: IncidentOutcome) => boolean = () => true,
): Attributed<DurationStats> {
  const measured = outcomes
    .map((o) => ({ m: pick(o), split: attributable(o) }))
    .filter((x): x is { m: { seconds: number; by: Handler }; split: boolean } => x.m !== undefined);
  const of = (by: Handler) => measured.filter((x) => x.split && x.m.by === by).map((x) => x.m.seconds);
  return {
    definition,
    all: durationStats(measured.map((x) => x.m.seconds)),
    ai: durationStats(of('ai')),
    human: durationStats(of('human')),
  };
}

const day = (iso: string) => iso.slice(0, 10);

function dailySeries(outcomes: readonly IncidentOutcome[], from: Date, to: Date): DailyPoint[] {
  const points = new Map<string, DailyPoint & { sums: { ai: number[]; human: number[] } }>();
  const start = new Date(Date.UTC(from.getUTCFullYear(), from.getUTCMonth(), from.getUTCDate()));
  for (let t = start.getTime(); t <= to.getTime(); t += 86_400_000) {
    const date = new Date(t).toISOString().slice(0, 10);
    points.set(date, {
      date,
      opened: 0,
      resolved: { ai: 0, human: 0 },
      mttr: { ai: null, human: null },
      escalated: 0,
      sums: { ai: [], human: [] },
    });
  }
  for (const o of outcomes) {
    const opened = points.get(day(o.createdAt));
    if (opened) opened.opened += 1;
    if (o.resolved) {
      const point = points.get(day(o.resolved.at));
      if (point) {
        point.resolved[o.resolved.by] += 1;
        point.sums[o.resolved.by].push(o.resolved.seconds);
      }
    }
    if (o.escalated) {
      const point = points.get(day(o.escalated.at));
      if (point) point.escalated += 1;
    }
  }
  return [...points.values()].map(({ sums, ...point }) => ({
    ...point,
    mttr: { ai: durationStats(sums.ai).mean, human: durationStats(sums.human).mean },
  }));
}

/**
 * Outcome metrics over the incidents opened in `[from, to]`. Each metric is split by who handled what it
 * measures (see {@link IncidentOutcome}); rates carry their numerator and denominator so nobody has to trust a
 * percentage without its base.
 */
export function summarizeOutcomes(
  incidents: readonly Incident[],
  options: { from: Date; to: Date; now: Date; truncated?: boolean; reopenWindowHours?: number },
): OutcomeSummary {
  const inWindow = incidents.filter((i) => {
    const created = Date.parse(i.createdAt);
    return created >= options.from.getTime() && created <= options.to.getTime();
  });
  const recurred = recurrences(incidents.map(incidentOutcome), options.reopenWindowHours);
  const outcomes = inWindow.map((incident) => {
    const outcome = incidentOutcome(incident);
    return recurred.has(outcome.incidentId) ? { ...outcome, reopened: true } : outcome;
  });

  const resolved = outcomes.filter((o) => o.resolved);
  const resolvedBy = (by: Handler) => resolved.filter((o) => o.resolved!.by === by);
  const escalated = outcomes.filter((o) => o.escalated);
  const escalatedBy = (by: Handler) => escalated.filter((o) => o.escalated!.by === by).length;
  const decidedApprovals = outcomes.filter((o) => o.approval?.latencySeconds !== undefined);

  const humanOverrides = outcomes.reduce((sum, o) => sum + o.humanOverrides, 0);
  const aiDecisions = outcomes.reduce((sum, o) => sum + o.aiDecisions, 0);
  const aiOverrides = outcomes.filter((o) => o.aiOverrodeSource).length;
  const sourcePriorities = outcomes.filter((o) => o.sourceSetPriority).length;

  const reopenedOf = (list: IncidentOutcome[]) => list.filter((o) => o.reopened).length;
  const outcomeClasses: Record<string, number> = {};
  for (const o of outcomes) outcomeClasses[o.outcomeClass] = (outcomeClasses[o.outcomeClass] ?? 0) + 1;
  const resolvedNotSelf = resolved.filter((o) => o.outcomeClass !== 'self-recovered').length;
  const mitigatedCount = resolved.filter((o) => o.outcomeClass === 'agent-mitigated').length;
  const byPriority: Record<string, number> = {};
  for (const o of outcomes) byPriority[o.priority] = (byPriority[o.priority] ?? 0) + 1;

  return {
    window: { from: options.from.toISOString(), to: options.to.toISOString() },
    generatedAt: options.now.toISOString(),
    incidents: {
      total: outcomes.length,
      open: outcomes.filter((o) => o.open).length,
      resolved: resolved.length,
      awaitingApproval: outcomes.filter((o) => o.awaitingApproval).length,
      byPriority,
      truncated: options.truncated ?? false,
    },
    metrics: {
      mtta: durations(
        outcomes,
        (o) => o.acknowledged,
        'Mean time to acknowledge: opened -> first taken on (triage agent result = ai, any person = human).',
      ),
      firstResponse: durations(
        outcomes,
        (o) => o.firstResponse,
        'Opened -> first response the requester sees (work note, approval request, executed action, escalation note; ai) or any person acting (human).',
      ),
      mttr: durations(
        outcomes,
        (o) => o.resolved,
        'Mean time to resolve: opened -> resolved; ai for agent-mitigated outcomes (verified recovery, fulfilled request), human for agent-assisted and human-resolved ones (self-recovered ones count in all only).',
        (o) => o.outcomeClass !== 'self-recovered',
      ),
      timeToMitigation: durations(
        outcomes,
        (o) => o.mitigated,
        "Opened -> Lumos' remediation verified as recovered (agent-mitigated incidents; always ai).",
      ),
      approvalLatency: {
        definition:
          'Approval requested -> decided by a person (human). ai counts plans the policy let run without a gate (latency 0).',
        all: durationStats(decidedApprovals.map((o) => o.approval!.latencySeconds!)),
        ai: durationStats(outcomes.filter((o) => o.autoApproved).map(() => 0)),
        human: durationStats(decidedApprovals.map((o) => o.approval!.latencySeconds!)),
      },
      autoResolutionRate: {
        definition: 'Share of resolved incidents resolved without a person (ai) or with one (human).',
        all: rateStats(resolvedBy('ai').length, resolved.length),
        ai: rateStats(resolvedBy('ai').length, resolved.length),
        human: rateStats(resolvedBy('human').length, resolved.length),
      },
      autonomousResolutionRate: {
        definition:
          'Share of resolved incidents that Lumos mitigated itself with a verified recovery (outcome class agent-mitigated), leaving out self-recovered ones; human: agent-assisted or human-resolved.',
        all: rateStats(mitigatedCount, resolvedNotSelf),
        ai: rateStats(mitigatedCount, resolvedNotSelf),
        human: rateStats(resolvedNotSelf - mitigatedCount, resolvedNotSelf),
      },
      escalationRate: {
        definition:
          'Share of incidents handed to people: ai when Lumos decided a person must take over (agent failure, planned hand-over); human when people let it escalate (approval deadline passed, SLA breach).',
        all: rateStats(escalated.length, outcomes.length),
        ai: rateStats(escalatedBy('ai'), outcomes.length),
        human: rateStats(escalatedBy('human'), outcomes.length),
      },
      overrideRate: {
        definition:
          'human: AI decisions (triage results, plans put to a person) that people reversed (rejected plan, priority changed after triage). ai: source-set priorities the triage agent changed.',
        all: rateStats(humanOverrides + aiOverrides, aiDecisions + sourcePriorities),
        ai: rateStats(aiOverrides, sourcePriorities),
        human: rateStats(humanOverrides, aiDecisions),
      },
      reopenRate: {
        definition:
          'Share of resolved incidents that came back (reopened, source activity after resolution, or the same fingerprint again within 72 h), by who resolved them.',
        all: rateStats(reopenedOf(resolved), resolved.length),
        ai: rateStats(reopenedOf(resolvedBy('ai')), resolvedBy('ai').length),
        human: rateStats(reopenedOf(resolvedBy('human')), resolvedBy('human').length),
      },
    },
    slaBreaches: outcomes.reduce((sum, o) => sum + o.slaBreaches, 0),
    outcomeClasses,
    daily: dailySeries(outcomes, options.from, options.to),
  };
}
