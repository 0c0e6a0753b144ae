import * as z from 'zod';
import { FailureMode } from './failure-modes';

export { FailureMode } from './failure-modes';

/** What a piece of evidence is: the contract's closed list. */
export const EvidenceKind = z.enum(['log', 'change', 'topology', 'similar-incident', 'knowledge', 'alert', 'health']);
export type EvidenceKind = z.infer<typeof EvidenceKind>;

/** One piece of evidence a hypothesis cites; `ref` is an id from the evidence Lumos gathered. */
export const CitedEvidence = z.object({ kind: EvidenceKind, ref: z.string().min(1), summary: z.string() });
export type CitedEvidence = z.infer<typeof CitedEvidence>;

export const Hypothesis = z.object({
  rank: z.number().int().min(1),
  /** The suspect component, as the service graph names it. */
  component: z.string().min(1),
  failureMode: FailureMode,
  confidence: z.number().min(0).max(1),
  evidence: z.array(CitedEvidence),
  /** What would confirm it. */
  confirm: z.array(z.string()),
  /** What would rule it out. */
  ruleOut: z.array(z.string()),
});
export type Hypothesis = z.infer<typeof Hypothesis>;

/** The diagnosis agent's result, stored under `agents.diagnosis` (the outcome contract). */
export const Diagnosis = z.object({
  status: z.enum(['ok', 'failed']),
  summary: z.string(),
  confidence: z.number().min(0).max(1),
  hypotheses: z.array(Hypothesis),
  /** `evidence-scoring` (the deterministic model) or the model id that reasoned over the evidence. */
  method: z.string().optional(),
  /** How many pieces of evidence were weighed, by kind. */
  evidenceCounts: z.record(z.string(), z.number()).optional(),
  /** Why the language model's answer was not used, when it was not. */
  modelSkipped: z.string().optional(),
});
export type Diagnosis = z.infer<typeof Diagnosis>;

/** Reads a stored diagnosis leniently: an absent, failed or malformed one is undefined. */
export function diagnosisOf(value: unknown): Diagnosis | undefined {
  const parsed = Diagnosis.safeParse(value);
  return parsed.success && parsed.data.status === 'ok' ? parsed.data : undefined;
}

const pct = (value: number) => `${Math.round(value * 100)}%`;

/** One line per hypothesis, for notes, approval requests and handoff packets. */
export function describeHypotheses(diagnosis: Diagnosis, limit = 3): string[] {
  return diagnosis.hypotheses.slice(0, limit).map(
    (h) =>
      `${h.rank}. ${h.failureMode} on ${h.component} (${pct(h.confidence)})` +
      (h.evidence.length
        ? `: ${h.evidence
            .slice(0, 3)
            .map((e) => `${e.summary} [${e.ref}]`)
            .join('; ')}`
        : ''),
  );
}

/** The diagnosis as a markdown section (first response, handoff, approval request). */
export function diagnosisSection(diagnosis: Diagnosis): string[] {
  const top = diagnosis.hypotheses[0];
  const lines = [`**Diagnosis** (${pct(diagnosis.confidence)} confident): ${diagnosis.summary}`];
  lines.push(...describeHypotheses(diagnosis).map((line) => `- ${line}`));
  if (top?.confirm.length) lines.push(`- To confirm: ${top.confirm.join(' ')}`);
  if (top?.ruleOut.length) lines.push(`- Rules it out: ${top.ruleOut.join(' ')}`);
  return lines;
}
