import type { Incident, Priority, TriageResult } from '../../core/incident';
import { priorityFromImpactUrgency, sourcePriority } from '../../core/priority-matrix';
import {
  CATEGORY_TERMS,
  DEFAULT_ASSIGNMENT_GROUPS,
  HIGH_IMPACT_TERMS,
  HIGH_URGENCY_TERMS,
  INJECTION_PATTERNS,
  LOOKALIKE_PHRASES,
  LOW_URGENCY_TERMS,
} from './lexicon';

export interface TriageOptions {
  /** Category -> assignment group; merged over the defaults. */
  assignmentGroups?: Record<string, string>;
}

const escapeRegExp = (term: string) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const termPattern = (term: string) => new RegExp(`(^|[^a-z0-9])${escapeRegExp(term)}($|[^a-z0-9])`, 'i');
const patterns = new Map<string, { term: RegExp; lookalikes?: RegExp }>();
/** Whether the text mentions the term as a word or phrase of its own, not inside a look-alike phrase. */
export function mentions(text: string, term: string): boolean {
  let pattern = patterns.get(term);
  if (!pattern) {
    const lookalikes = LOOKALIKE_PHRASES[term.toLowerCase()];
    pattern = {
      term: termPattern(term),
      ...(lookalikes?.length
        ? { lookalikes: new RegExp(`(^|[^a-z0-9])(${lookalikes.map(escapeRegExp).join('|')})(?=$|[^a-z0-9])`, 'gi') }
        : {}),
    };
    patterns.set(term, pattern);
  }
  const checked = pattern.lookalikes ? text.replace(pattern.lookalikes, '$1 ') : text;
  return pattern.term.test(checked);
}

/** Scores each category by the terms it mentions; the title counts double because it is what the reporter led with. */
export function scoreCategories(title: string, body: string): { category: string; score: number; terms: string[] }[] {
  return Object.entries(CATEGORY_TERMS)
    .map(([category, terms]) => {
      const hits = terms.filter((term) => mentions(title, term) || mentions(body, term));
      const score = terms.reduce(
        (sum, term) => sum + (mentions(title, term) ? 2 : 0) + (mentions(body, term) ? 1 : 0),
        0,
      );
      return { category, score, terms: hits };
    })
    .filter((entry) => entry.score > 0)
    .sort((a, b) => b.score - a.score || a.category.localeCompare(b.category));
}

/** Estimates ITIL impact and urgency (1 high .. 3 low) from words, then applies the matrix. */
function priorityFromText(text: string): { priority: Priority; reasons: string[]; confidence: number } {
  const impactHits = HIGH_IMPACT_TERMS.filter((t) => mentions(text, t));
  const urgencyHits = HIGH_URGENCY_TERMS.filter((t) => mentions(text, t));
  const lowHits = LOW_URGENCY_TERMS.filter((t) => mentions(text, t));
  const impact = impactHits.length >= 2 ? 1 : impactHits.length === 1 ? 2 : 3;
  const urgency = urgencyHits.length > 0 ? 1 : lowHits.length > 0 ? 3 : 2;
  const priority = priorityFromImpactUrgency(impact, urgency);
  const reasons = [
    `estimated impact ${impact}${impactHits.length ? ` (mentions ${impactHits.map((t) => `'${t}'`).join(', ')})` : ' (no breadth words)'}`,
    `estimated urgency ${urgency}${urgencyHits.length ? ` (mentions ${urgencyHits.map((t) => `'${t}'`).join(', ')})` : lowHits.length ? ` (mentions ${lowHits.map((t) => `'${t}'`).join(', ')})` : ''}`,
    `impact ${impact} x urgency ${urgency} -> ${priority} (ITIL matrix on estimates)`,
  ];
  const evidence = impactHits.length + urgencyHits.length + lowHits.length;
  return { priority, reasons, confidence: Math.min(0.75, 0.45 + 0.1 * evidence) };
}

/** The priority of an incident before any model: from the source when it has one, else estimated from words. */
export interface PriorityDecision {
  priority: Priority;
  /** How sure the rules are of it: high for the source's own data, modest for words. */
  confidence: number;
  /** `matrix` (source impact x urgency), `alarm`, `source` (source priority or severity) or `text` (words). */
  method: 'matrix' | 'alarm' | 'source' | 'text';
  reasons: string[];
}

/**
 * Priority from the source's own impact/urgency when it has them (the ITIL matrix), from the alarm's severity for
 * alerts or the source's priority, else estimated from the words. The source's own figures always win.
 */
export function decidePriority(incident: Incident): PriorityDecision {
  const fromSource = sourcePriority(incident.severity);
  if (fromSource && incident.severity.impact && incident.severity.urgency)
    return { priority: fromSource.priority, confidence: 0.95, method: 'matrix', reasons: [fromSource.basis] };
  if (fromSource)
    return {
      priority: fromSource.priority,
      confidence: incident.kind === 'alert' ? 0.85 : 0.8,
      method: incident.kind === 'alert' ? 'alarm' : 'source',
      reasons: [fromSource.basis],
    };
  const estimate = priorityFromText(`${incident.title}\n${incident.description}`);
  return { ...estimate, method: 'text' };
}

/**
 * Heuristic triage: priority as {@link decidePriority} decides it; category by lexicon scoring; assignment group by
 * category. Confidence reflects how much of that came from structured data rather than from words, and is capped
 * when the text tries to instruct the system (the text is data, never instructions).
 */
export function triageIncident(incident: Incident, options: TriageOptions = {}): TriageResult {
  const text = `${incident.title}\n${incident.description}`;
  const decided = decidePriority(incident);
  const { priority, method } = decided;
  const priorityConfidence = decided.confidence;
  const reasons: string[] = [...decided.reasons];

  const scores = scoreCategories(incident.title, `${incident.description}\n${incident.service ?? ''}`);
  const hinted = incident.labels.category?.toLowerCase();
  let category = scores[0]?.category ?? 'general';
  let categoryConfidence: number;
  if (hinted && hinted in CATEGORY_TERMS) {
    category = hinted;
    categoryConfidence = 0.9;
    reasons.push(`category '${category}' given by the source`);
  } else if (scores.length === 0) {
    categoryConfidence = 0.3;
    reasons.push('no category terms found; routed to the service desk');
  } else {
    const total = scores.reduce((sum, s) => sum + s.score, 0);
    const margin = scores[0]!.score / total;
    categoryConfidence = Math.min(0.9, 0.35 + 0.55 * margin + 0.03 * Math.min(scores[0]!.score, 5));
    reasons.push(`category '${category}' from ${scores[0]!.terms.map((t) => `'${t}'`).join(', ')}`);
  }

  const groups = { ...DEFAULT_ASSIGNMENT_GROUPS, ...options.assignmentGroups };
  const assignmentGroup = groups[category] ?? groups.general ?? 'Service Desk';

  let confidence = Math.sqrt(priorityConfidence * categoryConfidence);
  const injection = INJECTION_PATTERNS.find((pattern) => pattern.test(text));
  if (injection) {
    confidence = Math.min(confidence, 0.4);
    reasons.push('text contains instructions aimed at the system; treated as data and flagged for a person');
  }
  confidence = Math.round(confidence * 100) / 100;

  return {
    priority,
    category,
    assignmentGroup,
    confidence,
    method,
    reasons,
    rationale: `${priority} ${category} -> ${assignmentGroup}: ${reasons.join('; ')}.`,
  };
}
