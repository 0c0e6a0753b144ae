import * as z from 'zod';
import type { Incident } from '../../core/incident';
import type { ChangeRecord } from '../../ports/topology';
import type { EvidenceKind } from './diagnosis';

/**
 * One piece of evidence Lumos gathered, with the structure the scoring needs. `ref` is its citation id: a diagnosis
 * may cite only refs from this list. `text` is what the evidence says in the source's own words (a log line, an
 * alert's annotations): untrusted, matched against failure signatures and shown to a model only as delimited data.
 */
export interface EvidenceItem {
  kind: EvidenceKind;
  ref: string;
  /** One line a person reads; written by Lumos from structured fields (counts, ids, times) and short excerpts. */
  summary: string;
  /** The component it is about. */
  component?: string;
  /** When it happened (changes). */
  at?: string;
  text?: string;
  /** 0..1: how much it weighs by itself (an anomaly's confidence, a neighbour's similarity). */
  strength: number;
  /** Log evidence: errors (error/fatal level, 5xx, stack traces) rather than informational lines. */
  error?: boolean;
  /** Log evidence: absent from the baseline before the incident window. */
  newInWindow?: boolean;
  /** Log evidence: it stopped well before the incident opened, so it belongs to an earlier problem. */
  stale?: boolean;
  /**
   * Log evidence: still going, but the example it shows is a line of an earlier problem's (an error code or stack
   * trace that both problems produce): what that line says is not known to be true of this one.
   */
  quotesEarlier?: boolean;
  /** Change evidence: the change kind (deployment, config, feature-flag, ...). */
  changeKind?: string;
  /** Change evidence: what it changed (the flag, versions, setting keys), which an error may name. */
  subjects?: string[];
  /** Topology evidence: the chain from the affected service to the component. */
  path?: string[];
}

/** The window a log analysis read: new templates appeared after `baselineEnd`. */
export interface LogWindow {
  baselineStart?: string;
  baselineEnd?: string;
  windowEnd?: string;
}

export interface GatheredEvidence {
  /** The affected service (the shared facts), if known. */
  service?: string;
  items: EvidenceItem[];
  /** Components within reach of the affected service, with their distance and path (the service itself at 0). */
  reach: Map<string, { depth: number; path: string[]; dependent?: boolean }>;
  /** Every component name the service graph knows, lower-cased -> id (ids, aliases, names). */
  names: Map<string, string>;
  /** The log window per component whose logs were read. */
  windows: Map<string, LogWindow>;
  /** When the incident opened. */
  openedAt: string;
}

// Agent results are read leniently: a missing or reshaped agent leaves its evidence out.
const Anomaly = z.looseObject({
  kind: z.string(),
  key: z.string(),
  description: z.string(),
  count: z.number(),
  baselineCount: z.number().default(0),
  ratio: z.number().optional(),
  level: z.string().optional(),
  confidence: z.number().default(0.5),
  example: z.string().default(''),
  lastSeen: z.string().optional(),
});
export const LogAnalysisView = z.looseObject({
  status: z.string(),
  service: z.string().optional(),
  window: z.looseObject({ start: z.string(), end: z.string() }).optional(),
  baseline: z.looseObject({ start: z.string(), end: z.string() }).optional(),
  anomalies: z.array(Anomaly).default([]),
});
export type LogAnalysisView = z.infer<typeof LogAnalysisView>;
const Related = z.looseObject({ id: z.string(), depth: z.number(), path: z.array(z.string()) });
export const DependencyView = z.looseObject({
  status: z.string(),
  service: z.string().optional(),
  dependencies: z.array(Related).default([]),
  dependents: z.array(Related).default([]),
  changes: z
    .array(
      z.looseObject({
        id: z.string(),
        component: z.string(),
        at: z.string(),
        kind: z.string(),
        summary: z.string().default(''),
        by: z.string().optional(),
        risk: z.enum(['high', 'medium', 'low']).optional(),
      }),
    )
    .default([]),
  suspects: z.array(z.looseObject({ component: z.string(), score: z.number() })).default([]),
});
export type DependencyView = z.infer<typeof DependencyView>;
const TriageView = z.looseObject({
  similarIncidents: z
    .array(
      z.looseObject({
        id: z.string(),
        title: z.string(),
        similarity: z.number(),
        resolution: z.string().optional(),
      }),
    )
    .default([]),
});

/** Reads an agent's stored result, or undefined when it is missing, failed, skipped or malformed. */
export function readAgent<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> | undefined {
  const parsed = schema.safeParse(value);
  if (!parsed.success) return undefined;
  const status = (parsed.data as { status?: string }).status;
  return status === 'failed' || status === 'skipped' ? undefined : parsed.data;
}

const clip = (text: string, max: number) => {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};
const minutesBetween = (from: string, to: string) => Math.round((Date.parse(to) - Date.parse(from)) / 60_000);
const sinceText = (from: string, to: string) => {
  const seconds = Math.round((Date.parse(to) - Date.parse(from)) / 1000);
  return seconds < 120 ? `${seconds} s` : `${Math.round(seconds / 60)} min`;
};

/** How much a log anomaly of an earlier problem (see {@link STALE_BEFORE_OPENED_MS}) weighs against a current one. */
export const STALE_WEIGHT = 0.2;

/** Errors that stopped this long before the incident opened belong to an earlier problem. */
export const STALE_BEFORE_OPENED_MS = 60_000;

/**
 * The same for an incident an alarm opened: the alarm fires while the failure is on, and a failure still going on
 * keeps writing its errors at the rate requests arrive, up to that moment and after (the log window reaches past
 * it). Errors that stopped a few seconds before the alarm belong to a problem that was over when it fired, such as
 * the outage just before this one on the same services. (A ticket lags the failure it reports, so its incident
 * keeps the longer margin.)
 */
export const STALE_BEFORE_ALARM_MS = 5_000;

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a line is an instance of a mined template (`<NUM>`, `<*>`, ... stand for any value). */
function instanceOf(template: string, line: string): boolean {
  const parts = template.trim().split(/<[A-Z]+>|<\*>/);
  if (parts.join('').replace(/\s+/g, '').length < 20) return false;
  const pattern = parts.map((p) => escapeRegExp(p.trim()).replace(/\s+/g, '\\s+')).join('.+?');
  return new RegExp(pattern).test(line);
}

/**
 * Log anomalies of one service's analysis as evidence. An anomaly whose last line came well before the incident
 * opened (`openedAt`) stopped before this problem began: it stays cited, at a fraction of its weight. An anomaly still
 * going whose example is a line of such an earlier template is marked `quotesEarlier`.
 */
export function logEvidence(
  analysis: LogAnalysisView,
  service: string,
  openedAt?: string,
  staleAfterMs = STALE_BEFORE_OPENED_MS,
): EvidenceItem[] {
  const opened = openedAt ? Date.parse(openedAt) : Number.NaN;
  const staleOf = (a: LogAnalysisView['anomalies'][number]) => {
    const last = a.lastSeen ? Date.parse(a.lastSeen) : Number.NaN;
    return !Number.isNaN(opened) && !Number.isNaN(last) && last < opened - staleAfterMs;
  };
  const earlierTemplates = analysis.anomalies.filter((a) => a.kind !== 'error-code' && staleOf(a));
  return analysis.anomalies.map((a) => {
    const stale = staleOf(a);
    const quotesEarlier =
      !stale && !!a.example && earlierTemplates.some((e) => e !== a && instanceOf(e.description, a.example));
    const isError =
      a.level === 'error' || a.level === 'fatal' || a.kind === 'stack-trace' || /^5\d\d$|^http[_:]?5\d\d$/i.test(a.key);
    const what =
      a.kind === 'new-template'
        ? 'new'
        : a.kind === 'spiking-template'
          ? `spiking x${a.ratio ?? '?'}`
          : a.kind === 'stack-trace'
            ? 'stack trace'
            : a.kind === 'error-code'
              ? 'error code'
              : 'repeated errors';
    return {
      kind: 'log' as const,
      ref: `log:${service}:${a.key}`,
      summary: `${service} logs: "${clip(a.description, 140)}" (${what}, ${a.count} in window, ${a.baselineCount} before${stale ? `; last seen ${sinceText(a.lastSeen!, openedAt!)} before the incident` : ''})`,
      component: service,
      text: `${a.description}\n${a.example}`,
      strength: stale ? a.confidence * STALE_WEIGHT : a.confidence,
      error: isError,
      newInWindow: a.baselineCount === 0,
      ...(stale ? { stale: true } : {}),
      ...(quotesEarlier ? { quotesEarlier: true } : {}),
    };
  });
}

/** What a change changed, as an error would name it: its feature flag, versions and dotted setting keys. */
export function changeSubjects(change: Pick<ChangeRecord, 'summary' | 'featureFlag'>): string[] {
  const found = new Set<string>();
  if (change.featureFlag) found.add(change.featureFlag);
  for (const m of change.summary.matchAll(/\bv?\d+\.\d+(?:\.\d+)*(?:-[\w.]+)?\b/g)) found.add(m[0]);
  for (const m of change.summary.matchAll(/\b[A-Za-z][\w-]*(?:\.[A-Za-z][\w-]*)+\b/g)) found.add(m[0]);
  return [...found].filter((s) => s.length >= 3);
}

/** A change that puts back a known state (a rollback, a config revert, a flag turned off): never a cause itself. */
const RESTORES = /\b(rollback|roll(ed|ing)?[ -]back|revert(ed|s)?|undo(ne)?)\b/i;
const FLAG_OFF = /\b(turn(ed)? off|switch(ed)? off|disabled?)\b/i;
const restores = (c: ChangeRecord) =>
  c.kind.toLowerCase() === 'rollback' || RESTORES.test(c.summary) || (!!c.featureFlag && FLAG_OFF.test(c.summary));

const FAMILIES: readonly (readonly [string, RegExp])[] = [
  ['release', /deploy|release|rollout|upgrade|build|patch|rollback/i],
  ['config', /config|setting|parameter/i],
];

/** Which changes a later one replaces: the same feature flag, else the same kind of change (release, config). */
function familyOf(change: ChangeRecord): string | undefined {
  if (change.featureFlag) return `flag:${change.featureFlag}`;
  return FAMILIES.find(([, pattern]) => pattern.test(change.kind))?.[0];
}

/**
 * The changes that still stand when the incident opened. A restoring change is not a suspect, and neither is a
 * change a later one replaced before the incident: a release after which another version went out (or was rolled
 * back to), a setting reverted since, a flag switched again. What runs now is what the newest change left.
 */
export function standingChanges(changes: readonly ChangeRecord[], openedAt: string): ChangeRecord[] {
  const opened = Date.parse(openedAt);
  const latest = new Map<string, number>();
  for (const c of changes) {
    const family = familyOf(c);
    const at = Date.parse(c.at);
    if (!family || Number.isNaN(at) || at > opened) continue;
    const key = `${c.component}\u0000${family}`;
    latest.set(key, Math.max(latest.get(key) ?? Number.NEGATIVE_INFINITY, at));
  }
  return changes.filter((c) => {
    if (restores(c)) return false;
    const family = familyOf(c);
    if (!family) return true;
    const newest = latest.get(`${c.component}\u0000${family}`);
    return newest === undefined || Date.parse(c.at) >= newest;
  });
}

/** Change records as evidence, timed against the incident (see {@link standingChanges} for which count). */
export function changeEvidence(changes: readonly ChangeRecord[], openedAt: string): EvidenceItem[] {
  return standingChanges(changes, openedAt).map((c) => {
    const delta = minutesBetween(c.at, openedAt);
    const when = delta >= 0 ? `${delta} min before the incident` : `${-delta} min after it opened`;
    return {
      kind: 'change' as const,
      ref: `change:${c.id}`,
      summary: `${c.kind} ${c.id} on ${c.component} ${when}: ${clip(c.summary, 100)}${c.by ? ` (by ${c.by})` : ''}`,
      component: c.component,
      at: c.at,
      strength: c.risk === 'high' ? 1 : c.risk === 'low' ? 0.8 : 0.9,
      changeKind: c.kind,
      subjects: changeSubjects(c),
    };
  });
}

/**
 * Everything the diagnosis weighs, from what the agents left on the incident plus the logs of further components
 * (`extraLogs`, read by the Diagnose step for suspects the log-analysis agent did not cover): log anomalies, change
 * records, topology paths, the alert itself, similar resolved incidents and knowledge articles. The ticket's own
 * words are not evidence: a person's description is a claim, and it could try to steer the diagnosis.
 */
export function gatherEvidence(
  incident: Incident,
  options: {
    names?: Map<string, string>;
    extraLogs?: ReadonlyMap<string, LogAnalysisView>;
  } = {},
): GatheredEvidence {
  const items: EvidenceItem[] = [];
  const windows = new Map<string, LogWindow>();
  const dependency = readAgent(DependencyView, incident.agents.dependency);
  const service = incident.facts?.service ?? dependency?.service ?? incident.service;

  const reach = new Map<string, { depth: number; path: string[]; dependent?: boolean }>();
  if (service) reach.set(service, { depth: 0, path: [service] });
  for (const related of dependency?.dependencies ?? []) {
    if (reach.has(related.id)) continue;
    reach.set(related.id, { depth: related.depth, path: related.path });
    items.push({
      kind: 'topology',
      ref: `topology:${related.path.join('>')}`,
      summary: `${related.path.join(' -> ')} (${related.depth === 1 ? 'direct dependency' : `${related.depth} hops`})`,
      component: related.id,
      strength: 1 / related.depth,
      path: related.path,
    });
  }
  // Direct dependents are reached too: their own errors can name a cause on the same path.
  for (const related of dependency?.dependents ?? []) {
    if (related.depth === 1 && !reach.has(related.id))
      reach.set(related.id, { depth: 1, path: related.path, dependent: true });
  }
  items.push(...changeEvidence(dependency?.changes ?? [], incident.createdAt));

  const analyses = new Map<string, LogAnalysisView>();
  const own = readAgent(LogAnalysisView, incident.agents['log-analysis']);
  if (own?.service) analyses.set(own.service, own);
  for (const [component, analysis] of options.extraLogs ?? [])
    if (!analyses.has(component)) analyses.set(component, analysis);
  for (const [component, analysis] of analyses) {
    windows.set(component, {
      baselineStart: analysis.baseline?.start,
      baselineEnd: analysis.baseline?.end ?? analysis.window?.start,
      windowEnd: analysis.window?.end,
    });
    items.push(
      ...logEvidence(
        analysis,
        component,
        incident.createdAt,
        incident.kind === 'alert' ? STALE_BEFORE_ALARM_MS : STALE_BEFORE_OPENED_MS,
      ),
    );
  }

  if (incident.kind === 'alert') {
    const labels = Object.entries(incident.labels)
      .filter(([key]) => !/^(state|account|region|priorityFrom|serviceAlias)$/.test(key))
      .map(([key, value]) => `${key}=${value}`)
      .join(' ');
    // A metric alarm that reports the value it measured against its threshold ("Threshold Crossed: 97.5 ...
    // greater than or equal to the threshold (90)") is a measurement of its component, as strong as the log line that
    // shows the failure; an alarm that only names itself is weaker.
    const measured = /\bthreshold\b/i.test(incident.description) && /\d/.test(incident.description);
    items.push({
      kind: 'alert',
      ref: `alert:${incident.source}:${incident.externalId}`,
      summary: `${incident.source} alert on ${service ?? 'an unknown service'}: ${clip(incident.title, 120)}`,
      component: service,
      text: `${incident.title}\n${incident.description}\n${labels}`,
      strength: measured ? 1 : 0.85,
    });
  }

  // Alerts that joined the incident (its service, or another service of the same outage in the service graph) say
  // what else the monitoring saw, about the service each names. Tickets that joined are people's claims, not evidence.
  const machineSources = /^(alertmanager|cloudwatch|grafana|pagerduty)\s/;
  const seenAlerts = new Set<string>();
  const names = options.names ?? new Map<string, string>();
  for (const entry of incident.timeline) {
    if (entry.type !== 'signal.correlated' && entry.type !== 'signal.refired') continue;
    const body = entry.summary.replace(/^(Correlated|Fired again:)\s+/, '');
    const fingerprint = typeof entry.data?.fingerprint === 'string' ? entry.data.fingerprint : body.slice(0, 80);
    if (!machineSources.test(body) || seenAlerts.has(fingerprint) || seenAlerts.size >= 12) continue;
    seenAlerts.add(fingerprint);
    const named = typeof entry.data?.service === 'string' ? entry.data.service.trim().toLowerCase() : undefined;
    const about = (named && (names.get(named) ?? names.get(named.slice(named.lastIndexOf(':') + 1)))) || service;
    items.push({
      kind: 'alert',
      ref: `alert:correlated:${fingerprint}`,
      summary: `correlated alert on ${about ?? 'the service'}: ${clip(body, 120)}`,
      component: about,
      text: body,
      strength: 0.75,
    });
  }

  const triage = readAgent(TriageView, incident.agents.triage);
  for (const similar of (triage?.similarIncidents ?? []).slice(0, 3)) {
    items.push({
      kind: 'similar-incident',
      ref: `similar:${similar.id}`,
      summary: `similar resolved incident ${similar.id} (similarity ${similar.similarity}): ${clip(similar.title, 80)}${similar.resolution ? `; resolved by: ${clip(similar.resolution, 100)}` : ''}`,
      component: service,
      text: `${similar.title}\n${similar.resolution ?? ''}`,
      strength: Math.max(0, Math.min(1, similar.similarity)),
    });
  }
  for (const [index, article] of (incident.knowledge?.articles ?? []).slice(0, 3).entries()) {
    items.push({
      kind: 'knowledge',
      ref: `kb:${article.articleId}`,
      summary: `knowledge article "${clip(article.title, 80)}" (${article.articleId})`,
      component: service,
      text: `${article.title}\n${article.snippet ?? ''}`,
      strength: 0.6 - 0.15 * index,
    });
  }
  return { service, items, reach, names: options.names ?? new Map(), windows, openedAt: incident.createdAt };
}
