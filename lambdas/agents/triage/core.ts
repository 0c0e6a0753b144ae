import type { Incident, Priority, TriageResult } from '../../core/incident';
import { priorityFromImpactUrgency, sourcePriority } from '../../core/priority-matrix';
import {
  CATEGORY_TERMS,
  DEFAULT_ASSIGNMENT_GROUPS,
  HIGH_IMPACT_TERMS,
  HIGH_URGENCY_TERMS,
  INJECTION_PATTERNS,
  LOW_URGENCY_TERMS,
} from './lexicon';

export interface TriageOptions {
  /** Category -> assignment group; merged over the defaults. */
  assignmentGroups?: Record<string, string>;
}

const escapeRegExp = (term: string) => term.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const termPattern = (term: string) => new RegExp(`(^|[^a-z0-9])${escapeRegExp(term)}($|[^a-z0-9])`, 'i');
const patterns = new Map<string, RegExp>();
function mentions(text: string, term: string): boolean {
  let pattern = patterns.get(term);
  if (!pattern) {
    pattern = termPattern(term);
    patterns.set(term, pattern);
  }
  return pattern.test(text);
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

/**
 * Heuristic triage: priority from the source's own impact/urgency when it has them (the ITIL matrix), from the
 * alarm's severity for alerts, else estimated from the words; category by lexicon scoring; assignment group by
 * category. Confidence reflects how much of that came from structured data rather than from words, and is capped
 * when the text tries to instruct the system (the text is data, never instructions).
 */
export function triageIncident(incident: Incident, options: TriageOptions = {}): TriageResult {
  const text = `${incident.title}\n${incident.description}`;
  const reasons: string[] = [];

  const fromSource = sourcePriority(incident.severity);
  let priority: Priority;
  let priorityConfidence: number;
  let method: string;
  if (fromSource && incident.severity.impact && incident.severity.urgency) {
    priority = fromSource.priority;
    priorityConfidence = 0.95;
    method = 'matrix';
    reasons.push(fromSource.basis);
  } else if (fromSource) {
    priority = fromSource.priority;
    priorityConfidence = incident.kind === 'alert' ? 0.85 : 0.8;
    method = incident.kind === 'alert' ? 'alarm' : 'source';
    reasons.push(fromSource.basis);
  } else {
    const estimate = priorityFromText(text);
    priority = estimate.priority;
    priorityConfidence = estimate.confidence;
    method = 'text';
    reasons.push(...estimate.reasons);
  }

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
