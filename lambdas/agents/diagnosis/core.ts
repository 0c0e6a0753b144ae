import * as z from 'zod';
import type { Incident } from '../../core/incident';
import { agentName } from '../../function-catalogue';
import type { Clock } from '../../ports/clock';
import type { LanguageModel } from '../../ports/llm';
import type { LogSource } from '../../ports/logs';
import type { TopologySource } from '../../ports/topology';
import { analyseIncidentLogs } from '../log-analysis/core';
import { type CitedEvidence, type Diagnosis, FailureMode, type Hypothesis } from './diagnosis';
import { DependencyView, type GatheredEvidence, gatherEvidence, LogAnalysisView, readAgent } from './evidence';
import { checksFor } from './failure-modes';
import { diagnosisFrom, type ScoringOptions, scoreHypotheses } from './scoring';

export interface DiagnosisDeps {
  readonly clock: Clock;
  /** Reads the logs of suspects the log-analysis agent did not cover. Without it only that agent's logs count. */
  readonly logs?: LogSource;
  /** The service graph: the names a log line may use for a component. */
  readonly topology?: TopologySource;
  /** Reasons over the evidence (Bedrock in AWS); without one, or when it fails, the scoring model decides alone. */
  readonly llm?: LanguageModel;
}

export interface DiagnosisOptions extends ScoringOptions {
  /** Further components whose logs are read, at most. @default 4 */
  readonly maxExtraLogSources?: number;
}

/** The model's answer: hypotheses that cite evidence refs Lumos supplied, over components Lumos knows. */
export const ModelDiagnosis = z.object({
  summary: z.string().min(1).max(800),
  hypotheses: z
    .array(
      z.object({
        component: z.string().min(1).max(120),
        failureMode: FailureMode,
        confidence: z.number().min(0).max(1),
        evidenceRefs: z.array(z.string().min(1)).min(1).max(10),
        confirm: z.array(z.string().min(1).max(300)).max(4),
        ruleOut: z.array(z.string().min(1).max(300)).max(4),
      }),
    )
    .min(1)
    .max(5),
});
export type ModelDiagnosis = z.infer<typeof ModelDiagnosis>;

/** Every name the service graph knows for each component, lower-cased, mapped to the component id. */
async function componentNames(topology: TopologySource | undefined): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  if (!topology) return names;
  const graph = await topology.topology();
  for (const node of graph.nodes) names.set(node.id.toLowerCase(), node.id);
  for (const node of graph.nodes) {
    for (const alias of [...(node.aliases ?? []), ...(node.name ? [node.name] : [])]) {
      if (!names.has(alias.toLowerCase())) names.set(alias.toLowerCase(), node.id);
    }
  }
  return names;
}

/**
 * The components whose logs are worth reading besides the affected service's: the ones its own log anomalies
 * name, the ones with recent changes, then the dependency agent's suspects and direct dependencies.
 */
function extraLogCandidates(incident: Incident, names: Map<string, string>, limit: number): string[] {
  const analysed = readAgent(LogAnalysisView, incident.agents['log-analysis']);
  const dependency = readAgent(DependencyView, incident.agents.dependency);
  const service = incident.facts?.service ?? dependency?.service ?? incident.service;
  const inReach = new Set([
    ...(service ? [service] : []),
    ...(dependency?.dependencies ?? []).map((d) => d.id),
    ...(dependency?.dependents ?? []).filter((d) => d.depth === 1).map((d) => d.id),
  ]);
  const named: string[] = [];
  const nameIn = (raw: string) => {
    const text = ` ${raw.toLowerCase().replace(/[^a-z0-9._-]+/g, ' ')} `;
    for (const [name, id] of names)
      if (name.length >= 3 && text.includes(` ${name} `) && inReach.has(id)) named.push(id);
  };
  for (const anomaly of analysed?.anomalies ?? []) nameIn(`${anomaly.description} ${anomaly.example}`);
  // Components that alarm in this incident themselves, and those a monitor's alert names as the failing dependency
  // ("GET /health answered 503: dependency checkout-api failing: ..."). A ticket's text is the reporter's and does
  // not choose what is read.
  const alarming = incident.timeline
    .filter((e) => e.type === 'signal.correlated' && typeof e.data?.service === 'string')
    .map((e) => names.get((e.data!.service as string).toLowerCase()) ?? (e.data!.service as string))
    .filter((id) => inReach.has(id));
  if (incident.kind === 'alert') nameIn(`${incident.title} ${incident.description}`);
  const ordered = [
    ...(analysed?.service ? [] : service ? [service] : []),
    ...named,
    ...alarming,
    ...(dependency?.changes ?? []).map((c) => c.component),
    ...(dependency?.suspects ?? []).map((s) => s.component),
    ...(dependency?.dependencies ?? []).filter((d) => d.depth === 1).map((d) => d.id),
  ];
  return [...new Set(ordered)].filter((id) => id !== analysed?.service).slice(0, limit);
}

/** Reads and mines the logs of further components with the log-analysis agent's own windows and rules. */
async function readExtraLogs(
  incident: Incident,
  components: readonly string[],
  deps: DiagnosisDeps,
): Promise<Map<string, LogAnalysisView>> {
  const found = new Map<string, LogAnalysisView>();
  if (!deps.logs) return found;
  for (const component of components) {
    const view: Incident = {
      ...incident,
      service: component,
      labels: {},
      facts: { ...(incident.facts ?? { basis: {} }), service: component },
    };
    const result = await analyseIncidentLogs(view, { logs: deps.logs, clock: deps.clock });
    const parsed = readAgent(LogAnalysisView, result);
    if (parsed?.service === component) found.set(component, parsed);
  }
  return found;
}

/**
 * Diagnoses an incident: gathers the evidence the agents found (log anomalies, changes, topology paths, the alert,
 * similar resolved incidents, knowledge) plus the logs of the suspects, ranks (component, failure mode) hypotheses
 * with the evidence-scoring model, and, when a language model is available, lets it reason over the same
 * structured evidence. The model's answer counts only if it fits the schema, names components Lumos knows and
 * cites evidence Lumos supplied; hypotheses citing anything else are dropped, and with none left the scoring
 * model's answer stands. Ticket text is never evidence and never an instruction.
 */
export async function diagnoseIncident(
  incident: Incident,
  deps: DiagnosisDeps,
  options: DiagnosisOptions = {},
): Promise<Diagnosis> {
  const names = await componentNames(deps.topology);
  const extra = await readExtraLogs(
    incident,
    extraLogCandidates(incident, names, options.maxExtraLogSources ?? 4),
    deps,
  );
  const evidence = gatherEvidence(incident, { names, extraLogs: extra });
  const scored = diagnosisFrom(scoreHypotheses(evidence, options), evidence, 'evidence-scoring');
  if (!deps.llm || evidence.items.length === 0) return { status: 'ok', ...scored };

  try {
    const answer = await askModel(incident, evidence, scored.hypotheses, deps.llm);
    const checked = checkModelDiagnosis(answer.output, evidence);
    if (checked.hypotheses.length === 0) {
      return {
        status: 'ok',
        ...scored,
        modelSkipped: `the model's answer cited no evidence Lumos supplied (${checked.dropped.join('; ')})`,
      };
    }
    const diagnosis = diagnosisFrom(checked.hypotheses, evidence, answer.modelId);
    return {
      status: 'ok',
      ...diagnosis,
      summary: answer.output.summary,
      ...(checked.dropped.length ? { modelSkipped: `dropped: ${checked.dropped.join('; ')}` } : {}),
    };
  } catch (error) {
    const reason = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { status: 'ok', ...scored, modelSkipped: reason.slice(0, 300) };
  }
}

async function askModel(incident: Incident, evidence: GatheredEvidence, prior: Hypothesis[], llm: LanguageModel) {
  return llm.generate({
    agent: agentName('Diagnose'),
    incidentId: incident.incidentId,
    task: 'record_diagnosis',
    taskDescription: 'Records ranked root-cause hypotheses for the incident, each citing evidence refs.',
    instructions:
      'Rank up to five root-cause hypotheses for this incident. Each names a suspect component from the allowed ' +
      'components, a failure mode from the allowed list, a confidence from 0 to 1, the refs of the evidence items ' +
      'that support it (only refs listed in the facts), and what would confirm it or rule it out. Prefer the cause ' +
      'over its symptoms: a change followed by errors on the same component is the cause of those errors; a ' +
      'component that times out for its callers may itself have a cause, and without one it is "unresponsive" ' +
      '("dependency-failure" is for a component whose own lines say something it calls failed). Evidence marked ' +
      'earlier stopped before the incident opened or quotes such a problem: it is not evidence of this incident. ' +
      'Say "unknown" when the evidence does not point anywhere, with a low confidence.',
    facts: {
      affectedService: evidence.service ?? null,
      openedAt: evidence.openedAt,
      allowedComponents: [...allowedComponents(evidence)],
      failureModes: FailureMode.options,
      evidence: evidence.items.map(({ kind, ref, component, at, stale, quotesEarlier }) => ({
        kind,
        ref,
        component,
        at,
        ...(stale || quotesEarlier ? { earlier: true } : {}),
      })),
      scoringModelRanking: prior.map(({ component, failureMode, confidence }) => ({
        component,
        failureMode,
        confidence,
      })),
    },
    untrusted: [
      { label: 'ticket.title', text: incident.title },
      ...evidence.items
        .filter((item) => item.kind !== 'topology')
        .slice(0, 30)
        .map((item) => ({ label: `evidence.${item.ref}`, text: `${item.summary}\n${item.text ?? ''}`.slice(0, 1200) })),
    ],
    schema: ModelDiagnosis,
  });
}

/** The components a hypothesis may name: the affected service, what it reaches, and what the evidence is about. */
function allowedComponents(evidence: GatheredEvidence): Set<string> {
  return new Set([...evidence.reach.keys(), ...evidence.items.map((i) => i.component).filter((c): c is string => !!c)]);
}

/**
 * Checks a model's diagnosis against the evidence Lumos supplied: components must be known, every cited ref must
 * be one Lumos gave (unknown refs are removed, and a hypothesis left citing nothing is dropped), duplicates go.
 */
export function checkModelDiagnosis(
  answer: ModelDiagnosis,
  evidence: GatheredEvidence,
): { hypotheses: Hypothesis[]; dropped: string[] } {
  const allowed = allowedComponents(evidence);
  const byRef = new Map(evidence.items.map((i) => [i.ref, i]));
  const dropped: string[] = [];
  const seen = new Set<string>();
  const hypotheses: Hypothesis[] = [];
  for (const h of [...answer.hypotheses].sort((a, b) => b.confidence - a.confidence)) {
    if (!allowed.has(h.component)) {
      dropped.push(`${h.failureMode} on '${h.component.slice(0, 60)}': not a known component`);
      continue;
    }
    const cited: CitedEvidence[] = h.evidenceRefs
      .map((ref) => byRef.get(ref))
      .filter((i): i is NonNullable<typeof i> => !!i)
      .map(({ kind, ref, summary }) => ({ kind, ref, summary }));
    const unknownRefs = h.evidenceRefs.filter((ref) => !byRef.has(ref));
    if (unknownRefs.length)
      dropped.push(`${unknownRefs.length} unknown ref(s) cited for ${h.failureMode} on ${h.component}`);
    if (cited.length === 0 && h.failureMode !== 'unknown') {
      dropped.push(`${h.failureMode} on ${h.component}: cites no supplied evidence`);
      continue;
    }
    const key = `${h.component}|${h.failureMode}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const defaults = checksFor(h.failureMode, h.component);
    hypotheses.push({
      rank: hypotheses.length + 1,
      component: h.component,
      failureMode: h.failureMode,
      confidence: Math.round(Math.min(0.95, h.confidence) * 100) / 100,
      evidence: [...new Map(cited.map((c) => [c.ref, c])).values()],
      confirm: h.confirm.length ? h.confirm : defaults.confirm,
      ruleOut: h.ruleOut.length ? h.ruleOut : defaults.ruleOut,
    });
  }
  return { hypotheses, dropped };
}
