import type { Priority, SourceSeverity } from './incident';

/**
 * The ITIL impact x urgency matrix (1 = high, 3 = low). The sum of the two picks the priority:
 * 1+1 -> P1, 1+2 -> P2, 1+3 / 2+2 -> P3, 2+3 -> P4, 3+3 -> P5.
 */
export function priorityFromImpactUrgency(impact: 1 | 2 | 3, urgency: 1 | 2 | 3): Priority {
  const bySum: Record<number, Priority> = { 2: 'P1', 3: 'P2', 4: 'P3', 5: 'P4', 6: 'P5' };
  return bySum[impact + urgency]!;
}

/** Severity labels used by monitoring tools, mapped onto priorities. Unknown labels map to nothing. */
const LABEL_PRIORITY: Record<string, Priority> = {
  critical: 'P1',
  urgent: 'P1',
  highest: 'P1',
  blocker: 'P1',
  disaster: 'P1',
  page: 'P1',
  emergency: 'P1',
  fatal: 'P1',
  high: 'P2',
  major: 'P2',
  error: 'P2',
  alarm: 'P2',
  warning: 'P3',
  warn: 'P3',
  medium: 'P3',
  moderate: 'P3',
  normal: 'P3',
  average: 'P3',
  minor: 'P4',
  low: 'P4',
  info: 'P5',
  informational: 'P5',
  lowest: 'P5',
  trivial: 'P5',
  none: 'P5',
};

export function priorityFromLabel(label: string | undefined): Priority | undefined {
  return label ? LABEL_PRIORITY[label.trim().toLowerCase()] : undefined;
}

/**
 * A source's own priority name onto P1..P5: `P1`..`P5` anywhere in the name (`P0` counts as P1), `SEV1`/`Sev-2`/
 * `S3`, or a known word (`Highest`, `Blocker`, `Urgent`, `Major`, `Normal`, `Minor`, `Trivial`, ...) as in Jira,
 * Zendesk and PagerDuty. Undefined for names that say nothing recognisable.
 */
export function priorityFromName(name: string | null | undefined): Priority | undefined {
  if (!name) return undefined;
  const text = name.trim().toLowerCase();
  const numbered = /\b(?:p|sev(?:erity)?[-_ ]?|s)([0-5])\b/.exec(text);
  if (numbered) return `P${Math.max(1, Number(numbered[1]))}` as Priority;
  if (LABEL_PRIORITY[text]) return LABEL_PRIORITY[text];
  const word = text.split(/[^a-z]+/).find((w) => LABEL_PRIORITY[w]);
  return word ? LABEL_PRIORITY[word] : undefined;
}

/**
 * The priority the source itself implies, before any agent looks at the text: the matrix when impact and urgency
 * are both known, else the source's own priority, else its severity label. Undefined when the source says nothing.
 */
export function sourcePriority(severity: SourceSeverity): { priority: Priority; basis: string } | undefined {
  if (severity.impact && severity.urgency) {
    const priority = priorityFromImpactUrgency(severity.impact as 1 | 2 | 3, severity.urgency as 1 | 2 | 3);
    return { priority, basis: `impact ${severity.impact} x urgency ${severity.urgency} -> ${priority} (ITIL matrix)` };
  }
  if (severity.priority) return { priority: severity.priority, basis: `source priority ${severity.priority}` };
  const fromLabel = priorityFromLabel(severity.label);
  if (fromLabel) return { priority: fromLabel, basis: `severity '${severity.label}' -> ${fromLabel}` };
  return undefined;
}
