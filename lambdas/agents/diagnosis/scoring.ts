import type { CitedEvidence, Diagnosis, Hypothesis } from './diagnosis';
import { type EvidenceItem, type GatheredEvidence, STALE_WEIGHT } from './evidence';
import {
  CHANGE_LINKABLE,
  changeModeOf,
  checksFor,
  type FailureMode,
  type SymptomMode,
  symptomsIn,
} from './failure-modes';

/** Tuning of the evidence-scoring model. */
export interface ScoringOptions {
  /** Minutes after which a change's timing alone counts half as much as one made just before the incident. @default 60 */
  readonly changeHalfLifeMinutes?: number;
  /** Hypotheses reported at most. @default 5 */
  readonly maxHypotheses?: number;
  /** Hypotheses scoring below this are dropped. @default 0.08 */
  readonly minScore?: number;
}

/**
 * How plausibly a settings change causes errors of a kind: settings size pools, set limits and timeouts and name
 * endpoints, so they link more broadly than new code to exhaustion and connectivity errors.
 */
const CONFIG_LINKABLE: Readonly<Record<SymptomMode | 'generic', number>> = {
  generic: 0.9,
  'connection-exhaustion': 1,
  'cpu-exhaustion': 0.6,
  'memory-exhaustion': 0.6,
  throttling: 0.6,
  'crash-loop': 0.6,
  'dependency-failure': 0.4,
  unresponsive: 0.5,
  network: 0.4,
  'credential-expiry': 0.3,
  'disk-exhaustion': 0.2,
  'certificate-expiry': 0.1,
};

const INTERMITTENT = /\b(intermittent(ly)?|flapping|flaky|sporadic(ally)?|on and off)\b/i;
/** Weight of a change's own timing, before any error is linked to it: a recent deploy is suspect but not proof. */
const CHANGE_BASE = 0.35;
const EVIDENCE_ORDER: Record<string, number> = {
  change: 0,
  log: 1,
  alert: 2,
  health: 3,
  topology: 4,
  'similar-incident': 5,
  knowledge: 6,
};
const MAX_CITED = 8;

interface Support {
  parts: number[];
  /** Weights of evidence that stopped before the incident opened (an earlier problem). */
  stale?: number[];
  refs: Set<string>;
}

/**
 * The most evidence that stopped before the incident opened can add up to, and so the most a hypothesis that only
 * such evidence supports can score. Lines of an outage that ended are not independent witnesses of this one: however
 * many of them there are, they show one earlier problem, and noisy-OR over each would let their number pass for
 * strength. Together they count as one weak item: below the plan's floor for acting, and under any hypothesis that
 * current evidence supports (see the ranking).
 */
export const STALE_SUPPORT_MAX = 0.2;

/** An error seen on a component, which a change on it may explain. */
interface ErrorSeen {
  item: EvidenceItem;
  mode: SymptomMode | 'generic';
  strength: number;
}

const round = (value: number) => Math.round(value * 100) / 100;
const earlier = (item: EvidenceItem) => item.stale === true || item.quotesEarlier === true;
const citationTier = (item: EvidenceItem) =>
  earlier(item) ? 1 : item.kind === 'similar-incident' || item.kind === 'knowledge' ? 2 : 0;
const noisyOr = (parts: readonly number[]) => 1 - parts.reduce((rest, p) => rest * (1 - Math.min(0.99, p)), 1);
const keyOf = (component: string, mode: FailureMode) => `${mode}\u0000${component}`;
const splitKey = (key: string) => {
  const [mode, component] = key.split('\u0000') as [FailureMode, string];
  return { mode, component };
};
const LOCAL_MODES: readonly FailureMode[] = ['dependency-failure', 'network'];
/** Modes that say a component fails its callers without saying why: a cause of its own explains them. */
const HANDED_ON: readonly FailureMode[] = ['dependency-failure', 'unresponsive'];

/** Known components a text names as whole words, longest name first, other than `self`. */
function namedComponents(text: string, names: ReadonlyMap<string, string>, self: string | undefined): string[] {
  const padded = ` ${text.toLowerCase().replace(/[^a-z0-9._-]+/g, ' ')} `;
  const found = [...names.entries()]
    .filter(([name, id]) => name.length >= 3 && id !== self && padded.includes(` ${name} `))
    .sort((a, b) => b[0].length - a[0].length)
    .map(([, id]) => id);
  return [...new Set(found)];
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether a text says a named component failed: "call to X failed", "dependency X", "upstream: X", "X is down". */
function blames(text: string, name: string): boolean {
  const n = escapeRegExp(name);
  return new RegExp(
    `\\b(?:calls?|requests?|connections?) to ${n}\\b[^.\\n]{0,20}\\b(?:failed|failing|timed out|refused|errors?)\\b` +
      `|\\bdependency ${n}\\b|\\bupstream(?: service)?:? ${n}\\b|\\b${n} (?:is )?(?:down|unavailable|unhealthy|failing)\\b`,
    'i',
  ).test(text);
}

/**
 * The component a line relays a failure from: of the components it says failed that are not nearer the affected
 * service than the component that wrote the line (a component the writer calls may sit as many hops away by another
 * path; callers of the affected service are never upstream), the one it calls the root
 * cause, else the one it names last (a relayed error nests its cause after its effect: "call to X failed: ...
 * (dependency Y failing: ...)"), else the one furthest upstream.
 */
function relayedFrom(
  text: string,
  names: GatheredEvidence['names'],
  writer: string | undefined,
  reach: GatheredEvidence['reach'],
): string | undefined {
  const own = writer ? reach.get(writer) : undefined;
  const ownDepth = own ? (own.dependent ? -1 : own.depth) : 0;
  let best: { id: string; depth: number; root: boolean; last: number } | undefined;
  const lower = text.toLowerCase();
  for (const [name, id] of names) {
    if (id === writer || name.length < 3 || !blames(text, name)) continue;
    const at = reach.get(id);
    if (!at || at.dependent || at.depth < ownDepth) continue;
    const root = new RegExp(`\\broot cause(?: upstream)?:? ${escapeRegExp(name)}\\b`, 'i').test(text);
    const last = lower.lastIndexOf(name);
    const better =
      !best ||
      (root && !best.root) ||
      (root === best.root && (last > best.last || (last === best.last && at.depth > best.depth)));
    if (better) best = { id, depth: at.depth, root, last };
  }
  return best?.id;
}

/**
 * The deterministic evidence-scoring model. Each piece of evidence supports (component, failure mode) pairs:
 * - log lines and alerts by the failure signatures they match, weighted by how specific the signature is and how
 *   unusual the anomaly was; timeouts and refusals that name another component point at that component;
 * - a change by its recency (a deploy suggests bad-deployment, a settings change config-change), and more strongly
 *   by the errors that followed it on the same component, weighted by how plausibly such a change causes such errors
 *   and by timing (errors already present in the baseline, or a change older than the baseline, link weakly);
 * - errors a change explains are discounted as symptoms of that change (a pool exhausted right after the deploy
 *   that rewrote the pool is the deploy's fault); a failing dependency with a cause of its own hands the callers'
 *   evidence to that cause;
 * - distance from the affected service tempers everything; similar resolved incidents and knowledge articles only
 *   reinforce hypotheses other evidence raised.
 * Supports combine by noisy-OR, so independent evidence adds up and no single item reaches certainty.
 */
export function scoreHypotheses(evidence: GatheredEvidence, options: ScoringOptions = {}): Hypothesis[] {
  const halfLife = options.changeHalfLifeMinutes ?? 60;
  const support = new Map<string, Support>();
  const add = (component: string | undefined, mode: FailureMode, weight: number, refs: string[], stale = false) => {
    if (!component || weight <= 0) return;
    const key = keyOf(component, mode);
    const entry = support.get(key) ?? { parts: [], refs: new Set<string>() };
    if (stale) entry.stale = [...(entry.stale ?? []), weight];
    else entry.parts.push(weight);
    for (const ref of refs) entry.refs.add(ref);
    support.set(key, entry);
  };
  const errors = new Map<string, ErrorSeen[]>();
  const downstreamOf = new Map<string, string>();
  /** Components whose current lines say, by name, that a component they call is failing. */
  const relaying = new Set<string>();

  for (const item of evidence.items) {
    if ((item.kind !== 'log' && item.kind !== 'alert' && item.kind !== 'health') || !item.text) continue;
    const symptoms = symptomsIn(item.text);
    // A line matching a failure signature says it failed whatever its level (back-off restarts are warnings).
    // Errors that stopped before the incident opened are an earlier problem: each counts a fifth, and all of them
    // together at most STALE_SUPPORT_MAX. So does what the example of a current anomaly says when that example is a
    // line of the earlier problem.
    const stale = earlier(item);
    // A failure the line itself calls intermittent comes and goes: weaker evidence of a fault to fix now.
    const intermittent = INTERMITTENT.test(item.text) ? 0.5 : 1;
    const factor =
      (item.kind === 'log'
        ? (0.5 + 0.5 * item.strength) * (item.error ? 1 : symptoms.length ? 0.85 : 0.6) * (stale ? STALE_WEIGHT : 1)
        : item.strength) * intermittent;
    const topMode = symptoms[0]?.mode;
    const named = symptoms.length ? namedComponents(item.text, evidence.names, item.component) : [];
    // A line that quotes a component further upstream than its own relays that component's failure: a caller
    // printing "call to X failed: ... No space left on device" reports X's full disk, not its own.
    const upstream = symptoms.length
      ? relayedFrom(item.text, evidence.names, item.component, evidence.reach)
      : undefined;
    for (const symptom of symptoms) {
      const weight = symptom.weight * factor;
      if (LOCAL_MODES.includes(symptom.mode)) {
        const target = upstream ?? named.find((id) => evidence.reach.has(id)) ?? named[0];
        // A line whose strongest sign is something else (a pool exhausted while waiting on X) blames X only weakly.
        const share = symptom.mode === topMode ? 1 : 0.5;
        if (target) {
          // Callers timing out on X or finding it unavailable say X is not answering; whether a dependency of X
          // failed is for X's own lines to say (and a cause X shows of its own takes this evidence below).
          const mode = symptom.mode === 'dependency-failure' ? 'unresponsive' : symptom.mode;
          add(target, mode, weight * share, [item.ref], stale);
          if (item.component && !stale) downstreamOf.set(target, item.component);
          if (item.component && !stale && upstream) relaying.add(item.component);
        } else add(item.component, symptom.mode, weight * share * (symptom.own ? 1 : 0.5), [item.ref], stale);
      } else if (upstream) {
        add(upstream, symptom.mode, weight * 0.9, [item.ref], stale);
        if (item.component && !stale) downstreamOf.set(upstream, item.component);
        if (item.component && !stale) relaying.add(item.component);
      } else add(item.component, symptom.mode, weight, [item.ref], stale);
    }
    if (item.component && !item.stale && (item.error || item.kind !== 'log')) {
      const seen = errors.get(item.component) ?? [];
      // An anomaly quoting an earlier problem is a current error of a kind its example cannot tell.
      const mode = (item.quotesEarlier ? undefined : topMode) ?? 'generic';
      seen.push({
        item,
        mode,
        strength:
          mode !== 'generic'
            ? symptoms[0]!.weight * factor
            : 0.8 * (item.quotesEarlier ? factor / STALE_WEIGHT : factor),
      });
      errors.set(item.component, seen);
    }
  }

  // Symptom scores per (component, mode), before any change explains them. `current` marks the ones some evidence
  // from this incident's time supports (a log line still going, an alert, a standing change).
  const scores = new Map<string, { score: number; refs: Set<string>; current: boolean }>();
  for (const [key, entry] of support) {
    const fromEarlier = Math.min(STALE_SUPPORT_MAX, noisyOr(entry.stale ?? []));
    scores.set(key, {
      score: noisyOr([...entry.parts, fromEarlier]),
      refs: new Set(entry.refs),
      current: entry.parts.length > 0,
    });
  }

  // Changes: suspect by timing alone a little, and by the errors that followed them a lot. The share of a symptom
  // a change explains moves from the symptom to the change: a cause outranks its symptoms.
  const explained = new Map<string, number>();
  const changeParts = new Map<string, Support>();
  for (const change of evidence.items.filter((i) => i.kind === 'change' && i.component && i.at)) {
    const mode = changeModeOf(change.changeKind ?? '');
    if (!mode) continue;
    const component = change.component!;
    const before = (Date.parse(evidence.openedAt) - Date.parse(change.at!)) / 60_000;
    const recency = before >= 0 ? 0.5 ** (before / halfLife) : 0.3;
    const key = keyOf(component, mode);
    const entry = changeParts.get(key) ?? { parts: [], refs: new Set<string>() };
    entry.parts.push(CHANGE_BASE * recency * change.strength);
    entry.refs.add(change.ref);
    const window = evidence.windows.get(component);
    const predatesBaseline = !!window?.baselineStart && Date.parse(change.at!) < Date.parse(window.baselineStart);
    const table = mode === 'bad-deployment' ? CHANGE_LINKABLE : CONFIG_LINKABLE;
    const byMode = new Map<SymptomMode | 'generic', ErrorSeen[]>();
    for (const seen of errors.get(component) ?? []) byMode.set(seen.mode, [...(byMode.get(seen.mode) ?? []), seen]);
    for (const [symptom, seen] of byMode) {
      // Errors the baseline already had, or a change older than the baseline, cannot explain what is new.
      // Anomalies are what rose above the baseline; a change inside the compared period lines up with them.
      const fresh = seen.filter((e) => e.item.kind !== 'log' || e.item.newInWindow);
      const aligned = predatesBaseline || before < 0 ? 0.3 : 0.75 + 0.25 * recency;
      // Errors no signature explains, written while the same component says a component it calls is failing, are
      // most likely that failure passing through (the 503 it got, its HTTP client's exception), not its own change.
      const passingThrough = symptom === 'generic' && relaying.has(component) ? 0.25 : 1;
      const ratio = aligned * change.strength * table[symptom] * (fresh.length > 0 ? 1 : 0.8) * passingThrough;
      const symptomScore =
        symptom === 'generic'
          ? noisyOr(seen.map((e) => e.strength))
          : (scores.get(keyOf(component, symptom))?.score ?? 0);
      entry.parts.push(ratio * symptomScore);
      for (const e of (fresh.length ? fresh : seen).slice(0, 2)) entry.refs.add(e.item.ref);
      if (symptom !== 'generic') {
        const symptomKey = keyOf(component, symptom);
        explained.set(symptomKey, Math.max(explained.get(symptomKey) ?? 0, ratio));
      }
    }
    // An error that names what the change changed (its flag, the new version, the setting) points at it directly.
    for (const subject of change.subjects ?? []) {
      const pattern = new RegExp(`(^|[^\\w.-])${escapeRegExp(subject)}($|[^\\w-])`, 'i');
      for (const seen of errors.get(component) ?? []) {
        if (!pattern.test(seen.item.text ?? '') || before < 0) continue;
        entry.parts.push(0.85 * Math.max(seen.item.strength, 0.5));
        entry.refs.add(seen.item.ref);
        if (seen.mode !== 'generic') {
          const symptomKey = keyOf(component, seen.mode);
          explained.set(symptomKey, Math.max(explained.get(symptomKey) ?? 0, 0.85));
        }
      }
    }
    changeParts.set(key, entry);
  }
  for (const [key, value] of scores) value.score *= 1 - (explained.get(key) ?? 0);
  for (const [key, entry] of changeParts) {
    const existing = scores.get(key);
    const score = noisyOr([...entry.parts, existing?.score ?? 0]);
    scores.set(key, { score, refs: new Set([...entry.refs, ...(existing?.refs ?? [])]), current: true });
  }

  // A component that fails its callers with a cause of its own (a crash loop, a full disk, a bad release): the
  // callers' evidence, and its own hanging, support that cause. A cause seen only before the incident opened does
  // not explain a failure going on now.
  for (const [key, notAnswering] of [...scores].filter(([k]) => HANDED_ON.includes(splitKey(k).mode))) {
    const { component } = splitKey(key);
    const [cause] = [...scores]
      .filter(([k, v]) => {
        const { mode, component: c } = splitKey(k);
        return c === component && !HANDED_ON.includes(mode) && mode !== 'unknown' && v.current && v.score >= 0.3;
      })
      .sort((a, b) => b[1].score - a[1].score);
    if (!cause) continue;
    cause[1].score = noisyOr([cause[1].score, 0.5 * notAnswering.score]);
    for (const ref of notAnswering.refs) cause[1].refs.add(ref);
    notAnswering.score *= 0.6;
  }

  // Distance from the affected service tempers a suspect; the path is cited.
  const topologyRef = new Map(
    evidence.items.filter((i) => i.kind === 'topology' && i.component).map((i) => [i.component!, i.ref]),
  );
  for (const [key, value] of scores) {
    const { component } = splitKey(key);
    const reached = evidence.reach.get(component);
    const depth = reached?.depth;
    // A caller of the affected service cannot be what broke it: its own trouble is another incident.
    value.score *= reached?.dependent
      ? 0.4
      : depth === undefined
        ? 0.75
        : depth === 0
          ? 1
          : depth === 1
            ? 0.95
            : depth === 2
              ? 0.9
              : 0.85;
    const path = topologyRef.get(component);
    if (path) value.refs.add(path);
  }

  // Precedent and knowledge reinforce what other evidence raised; they never raise a hypothesis alone.
  for (const item of evidence.items.filter((i) => i.kind === 'similar-incident' || i.kind === 'knowledge')) {
    const text = item.text ?? '';
    const modes: { mode: FailureMode; weight: number }[] = symptomsIn(text);
    if (/\broll(ed|ing)?[ -]?back\b|\brevert(ed)? (the )?(release|deploy)/i.test(text))
      modes.push({ mode: 'bad-deployment', weight: 0.7 });
    if (/\brevert(ed)? (the )?(config|setting)|config(uration)? (rollback|revert)/i.test(text))
      modes.push({ mode: 'config-change', weight: 0.7 });
    for (const { mode, weight } of modes) {
      for (const [key, value] of scores) {
        const k = splitKey(key);
        if (k.mode !== mode || (item.component && k.component !== item.component && item.kind === 'similar-incident'))
          continue;
        value.score = noisyOr([value.score, 0.25 * weight * item.strength]);
        value.refs.add(item.ref);
      }
    }
  }

  const byRef = new Map(evidence.items.map((i) => [i.ref, i]));
  const ranked = [...scores]
    .map(([key, value]) => ({
      ...splitKey(key),
      // Precedent and knowledge may reinforce an earlier problem's hypothesis, never lift it past the cap.
      score: Math.min(0.95, value.current ? value.score : Math.min(STALE_SUPPORT_MAX, value.score)),
      refs: value.refs,
      current: value.current,
    }))
    .filter((h) => h.score >= (options.minScore ?? 0.08))
    // A hypothesis that only evidence of an earlier problem supports ranks under every one current evidence supports.
    .sort(
      (a, b) =>
        Number(b.current) - Number(a.current) ||
        b.score - a.score ||
        (evidence.reach.get(a.component)?.depth ?? 9) - (evidence.reach.get(b.component)?.depth ?? 9) ||
        a.component.localeCompare(b.component) ||
        a.mode.localeCompare(b.mode),
    )
    .slice(0, options.maxHypotheses ?? 5);

  return ranked.map((h, index) => {
    const cited: CitedEvidence[] = [...h.refs]
      .map((ref) => byRef.get(ref))
      .filter((item): item is EvidenceItem => !!item)
      // What is going on now first (the summary leads with it), then what an earlier problem left, then precedent.
      .sort((a, b) => citationTier(a) - citationTier(b) || EVIDENCE_ORDER[a.kind]! - EVIDENCE_ORDER[b.kind]!)
      .slice(0, MAX_CITED)
      .map(({ kind, ref, summary }) => ({ kind, ref, summary }));
    const change = [...h.refs].map((ref) => byRef.get(ref)).find((i) => i?.kind === 'change');
    const checks = checksFor(h.mode, h.component, {
      ...(change?.at ? { change: { id: change.ref.slice('change:'.length), at: change.at } } : {}),
      ...(downstreamOf.has(h.component) ? { downstreamOf: downstreamOf.get(h.component)! } : {}),
    });
    return {
      rank: index + 1,
      component: h.component,
      failureMode: h.mode,
      confidence: round(h.score),
      evidence: cited,
      ...checks,
    };
  });
}

const pct = (value: number) => `${Math.round(value * 100)}%`;

/** Whether a hypothesis cites evidence of this incident's time: a change, an alert, or a log anomaly still going. */
function currentlySupported(hypothesis: Hypothesis, byRef: ReadonlyMap<string, EvidenceItem>): boolean {
  return hypothesis.evidence.some((cited) => {
    const item = byRef.get(cited.ref);
    if (!item) return false;
    if (item.kind === 'log') return !item.stale && !item.quotesEarlier;
    return item.kind === 'change' || item.kind === 'alert' || item.kind === 'health';
  });
}

/**
 * The hypotheses that compete with the top one as an explanation of this incident. Not competing: one supported only
 * by an earlier problem's evidence (it explains something that ended), and a component failing its callers without
 * a cause (unresponsive, dependency-failure) when the top hypothesis is a cause on that same component: the scoring
 * handed that evidence to the cause, so it says the same thing.
 */
export function competitorsOf(hypotheses: readonly Hypothesis[], evidence: GatheredEvidence): Hypothesis[] {
  const [top, ...rest] = hypotheses;
  if (!top) return [];
  const byRef = new Map(evidence.items.map((i) => [i.ref, i]));
  return rest.filter(
    (h) =>
      currentlySupported(h, byRef) &&
      !(h.component === top.component && HANDED_ON.includes(h.failureMode) && !HANDED_ON.includes(top.failureMode)),
  );
}

/**
 * The diagnosis from scored hypotheses. Its confidence is the top hypothesis' score tempered by the strongest
 * competing one: a runner-up far behind is little doubt, one close behind is much, so the doubt grows with the square
 * of how near it comes (at a third of the top's score it costs 3 %, at half 7.5 %, level 30 %). Strong, current,
 * agreeing evidence for one cause thus reaches the level at which a low-risk fix may run alone; two close
 * explanations, or thin evidence (a low top score), stay below it.
 */
export function diagnosisFrom(
  hypotheses: Hypothesis[],
  evidence: GatheredEvidence,
  method: string,
): Omit<Diagnosis, 'status'> {
  const counts: Record<string, number> = {};
  for (const item of evidence.items) counts[item.kind] = (counts[item.kind] ?? 0) + 1;
  const [top] = hypotheses;
  const second = hypotheses[1];
  if (!top) {
    const component = evidence.service ?? 'unknown';
    return {
      summary: `No evidence points to a cause${evidence.service ? ` on ${evidence.service} or its dependencies` : ''}: no failure signature in the logs or alerts and no change linked to errors.`,
      confidence: 0.1,
      hypotheses: [
        {
          rank: 1,
          component,
          failureMode: 'unknown',
          confidence: 0.1,
          evidence: [],
          ...checksFor('unknown', component),
        },
      ],
      method,
      evidenceCounts: counts,
    };
  }
  const [rival] = competitorsOf(hypotheses, evidence);
  const near = rival ? Math.min(1, rival.confidence / top.confidence) : 0;
  const confidence = round(top.confidence * (1 - 0.3 * near ** 2));
  const lead = top.evidence.filter((e) => e.kind !== 'topology').slice(0, 2);
  const summary =
    `Most likely ${top.failureMode} on ${top.component} (${pct(top.confidence)})` +
    (lead.length ? `: ${lead.map((e) => e.summary).join('; ')}` : '') +
    (second ? `. Next: ${second.failureMode} on ${second.component} (${pct(second.confidence)}).` : '.');
  return { summary, confidence, hypotheses, method, evidenceCounts: counts };
}
