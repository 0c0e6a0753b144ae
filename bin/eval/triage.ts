import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { basename } from 'node:path';
import { EmbeddingTriageClassifier, trainTriageModel } from '../../lambdas/agents/triage/classifier';
import { triageIncident } from '../../lambdas/agents/triage/core';
import { formatOf, parseTrainingData, type TrainingExample } from '../../lambdas/agents/triage/training-data';
import { triageWithEvidence } from '../../lambdas/agents/triage/triage-agent';
import type { Incident, TriageResult } from '../../lambdas/core/incident';
import { pct, table } from './metrics';
import { cachedUseEmbedding } from './priority';

type Field = 'category' | 'priority' | 'assignmentGroup';
const FIELDS: Field[] = ['category', 'priority', 'assignmentGroup'];

/** A held-out example as the incident intake would have made it: a ticket with no source priority. */
function asIncident(example: TrainingExample): Incident {
  return {
    incidentId: example.id,
    source: 'generic',
    kind: 'ticket',
    externalId: example.id,
    fingerprint: example.id,
    title: example.title,
    description: example.description,
    ...(example.service ? { service: example.service } : {}),
    status: 'new',
    priority: 'P3',
    severity: {},
    labels: {},
    agents: {},
    timeline: [],
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
  };
}

/** A stable fold per example (hash of its id), so runs are repeatable and no example is tested on its own training. */
const foldOf = (id: string, folds: number) => createHash('sha256').update(id).digest().readUInt32BE(0) % folds;

/** Confusion table of one field: rows are the truth, columns the prediction. */
function confusion(truth: string[], predicted: string[]): string {
  const labels = [...new Set([...truth, ...predicted])].sort();
  const short = (label: string) => (label.length > 12 ? `${label.slice(0, 11)}.` : label);
  const rows: (string | number)[][] = [['truth \\ predicted', ...labels.map(short), 'recall']];
  for (const actual of labels) {
    const counts = labels.map((guess) => truth.filter((t, i) => t === actual && predicted[i] === guess).length);
    const total = truth.filter((t) => t === actual).length;
    rows.push([
      short(actual),
      ...counts.map((c) => (c === 0 ? '.' : c)),
      total ? pct(counts[labels.indexOf(actual)]! / total) : '-',
    ]);
  }
  return table(rows);
}

/**
 * `eval triage --data <csv|jsonl>`: k-fold cross-validation. Each fold trains the classifier on the other folds and
 * triages its own examples twice: with the rules alone (what runs without history), and as the agent runs locally
 * (rules + classifier + precedent). Prints accuracy per field for both and the agent's confusion table per field.
 */
export async function evaluateTriage(files: readonly string[], folds = 5): Promise<void> {
  const examples: TrainingExample[] = [];
  for (const file of files) examples.push(...parseTrainingData(await readFile(file, 'utf8'), formatOf(file)).examples);
  if (examples.length < folds) throw new Error(`need at least ${folds} examples, got ${examples.length}`);
  const truth: Record<Field, string[]> = { category: [], priority: [], assignmentGroup: [] };
  const rules: Record<Field, string[]> = { category: [], priority: [], assignmentGroup: [] };
  const agent: Record<Field, string[]> = { category: [], priority: [], assignmentGroup: [] };
  const latencies: number[] = [];
  const embedding = cachedUseEmbedding();
  for (let fold = 0; fold < folds; fold++) {
    const train = examples.filter((e) => foldOf(e.id, folds) !== fold);
    const test = examples.filter((e) => foldOf(e.id, folds) === fold);
    const { model: trained } = await trainTriageModel(train, embedding, `fold ${fold}`);
    const model = new EmbeddingTriageClassifier(trained, embedding);
    for (const example of test) {
      const incident = asIncident(example);
      const byRules: TriageResult = triageIncident(incident);
      const started = performance.now();
      const { triage } = await triageWithEvidence(incident, { model });
      latencies.push(performance.now() - started);
      for (const field of FIELDS) {
        truth[field].push(example[field] ?? '(none)');
        rules[field].push(byRules[field]);
        agent[field].push(triage[field]);
      }
    }
  }
  const accuracy = (predicted: string[], field: Field) =>
    predicted.filter((p, i) => truth[field][i] !== '(none)' && p === truth[field][i]).length /
    Math.max(1, truth[field].filter((t) => t !== '(none)').length);
  console.log(
    `${files.map((f) => basename(f)).join(', ')}: ${examples.length} resolved incidents, ${folds}-fold cross-validation`,
  );
  console.log(
    table([
      ['field', 'rules only', 'rules + classifier'],
      ...FIELDS.map((field) => [field, pct(accuracy(rules[field], field)), pct(accuracy(agent[field], field))]),
    ]),
  );
  const sorted = [...latencies].sort((a, b) => a - b);
  console.log(`triage latency (rules + classifier): p50 ${sorted[Math.floor(sorted.length / 2)]!.toFixed(2)} ms`);
  for (const field of FIELDS)
    console.log(`\nconfusion, ${field} (rules + classifier)\n${confusion(truth[field], agent[field])}`);
}
