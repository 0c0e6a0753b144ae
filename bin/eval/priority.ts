import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createUseEmbedder, USE_MODEL_ID } from '../../lambdas/adapters/local/use-embedder';
import {
  accuracyAtOrAbove,
  expectedCalibrationError,
  type ReliabilityBin,
  reliabilityTable,
} from '../../lambdas/agents/triage/calibration';
import {
  classifierText,
  EmbeddingTriageClassifier,
  type NamedEmbedder,
  trainTriageModel,
} from '../../lambdas/agents/triage/classifier';
import { triageIncident } from '../../lambdas/agents/triage/core';
import { parseTriageModel } from '../../lambdas/agents/triage/model-file';
import { normalizePriority, type TrainingExample } from '../../lambdas/agents/triage/training-data';
import { triageWithEvidence } from '../../lambdas/agents/triage/triage-agent';
import type { Incident } from '../../lambdas/core/incident';
import { EVAL_CACHE_DIR, FileCachedEmbedder } from './embedding-cache';
import { pct, table } from './metrics';
import type { BenchmarkRow } from './summary';

/** Where the Jira set lives inside the shared datasets folder. */
const JIRA_FILE = join('tickets', 'apache-hadoop-jira-priority.jsonl');
/** 3-way macro-F1 of the rules + word-count classifier the triage agent started from: the baseline row. */
const BEFORE_3WAY_MACRO_F1 = 0.316;
/** TF-IDF + balanced logistic regression, 5-fold CV over the whole file (tickets/baselines.json): the target. */
const TARGET_3WAY_MACRO_F1 = 0.528;

/** Options of {@link runPriorityEval}. */
export interface PriorityEvalOptions {
  /** The shared datasets folder (holding `tickets/`). */
  readonly datasets: string;
  /** Use at most this many rows of each half (evenly spread), for a fast run. @default all */
  readonly sample?: number;
  /** Embedder to use; defaults to the offline encoder behind a cache under node_modules/.cache. */
  readonly embedding?: NamedEmbedder;
  /** Head optimisation steps (fewer for a fast run). */
  readonly iterations?: number;
  /** Progress lines go here. @default nothing */
  readonly log?: (line: string) => void;
}

/** Everything the priority evaluation measured. */
export interface PriorityEvalDetails {
  train: number;
  test: number;
  macroF1_3: number;
  macroF1_5: number;
  accuracy3: number;
  recallHigh: number;
  rulesMacroF1_3: number;
  perClass3: { label: string; precision: number; recall: number; f1: number; support: number }[];
  reliability: ReliabilityBin[];
  ece: number;
  atOrAbove80: { count: number; accuracy: number };
  heldOutOfTraining: { accuracy: number; ece: number } | undefined;
  offDomain?: { meanConfidence: number; accuracy: number; atOrAbove80: { count: number; accuracy: number } };
  seconds: number;
}

/** The fixed split of tickets/SOURCES.md: test half = sha256(id) in hex starts with 0-7. */
export const isJiraTestRow = (id: string) => /^[0-7]/.test(createHash('sha256').update(id).digest('hex'));

const band = (priority: string): 'high' | 'medium' | 'low' =>
  priority === 'P1' || priority === 'P2' ? 'high' : priority === 'P3' ? 'medium' : 'low';

/** Per-class precision, recall and F1, and their unweighted mean (macro-F1), over the labels given. */
export function macroF1(truth: readonly string[], predicted: readonly string[], labels: readonly string[]) {
  const perClass = labels.map((label) => {
    const tp = predicted.filter((p, i) => p === label && truth[i] === label).length;
    const fp = predicted.filter((p, i) => p === label && truth[i] !== label).length;
    const fn = predicted.filter((p, i) => p !== label && truth[i] === label).length;
    const precision = tp + fp ? tp / (tp + fp) : 0;
    const recall = tp + fn ? tp / (tp + fn) : 0;
    return { label, precision, recall, f1: tp ? (2 * tp) / (2 * tp + fp + fn) : 0, support: tp + fn };
  });
  return { macro: perClass.reduce((sum, c) => sum + c.f1, 0) / labels.length, perClass };
}

/** A Jira bug as intake would have made it: a ticket whose source gave no priority. */
function asIncident(example: TrainingExample): Incident {
  return {
    incidentId: example.id,
    source: 'generic',
    kind: 'ticket',
    externalId: example.id,
    fingerprint: example.id,
    title: example.title,
    description: example.description,
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

/** Evenly spread subset of at most `max` rows, in a fixed order (by id hash), so a sample is repeatable. */
function sampleOf<T extends { id: string }>(rows: readonly T[], max?: number): T[] {
  if (!max || rows.length <= max) return [...rows];
  const ordered = [...rows].sort((a, b) =>
    createHash('sha256').update(a.id).digest('hex').localeCompare(createHash('sha256').update(b.id).digest('hex')),
  );
  return Array.from({ length: max }, (_, i) => ordered[Math.floor((i * ordered.length) / max)]!);
}

/** The offline encoder behind the evaluation's embedding cache. */
export function cachedUseEmbedding(): NamedEmbedder {
  return {
    embedder: new FileCachedEmbedder(
      createUseEmbedder({ cacheSize: 0 }),
      join(EVAL_CACHE_DIR, `${USE_MODEL_ID}.jsonl`),
    ),
    model: USE_MODEL_ID,
  };
}

/**
 * Priority on the Apache Hadoop Jira set: the project's own training (bin/train-triage.ts's `trainTriageModel`) is
 * fitted on the train half inside this run and nothing of it is kept; the triage agent (rules + that classifier, as it
 * runs locally) then triages every test-half bug. Reports macro-F1 over P1-P5 and over three bands (high P1-P2,
 * medium P3, low P4-P5), accuracy, recall of high, the reliability table of the priority confidence the agent states,
 * and ECE. The shipped default model (trained on the project's own service-desk history) is run on the same bugs to
 * show how confident it is on text unlike its training data.
 */
export async function runPriorityEval(
  options: PriorityEvalOptions,
): Promise<{ rows: BenchmarkRow[]; details: PriorityEvalDetails }> {
  const started = performance.now();
  const log = options.log ?? (() => undefined);
  const lines = (await readFile(join(options.datasets, JIRA_FILE), 'utf8')).split('\n').filter((l) => l.trim());
  const all: TrainingExample[] = lines.map((line) => {
    const row = JSON.parse(line) as { id: string; title: string; description: string | null; priority: string };
    return {
      id: row.id,
      title: row.title,
      description: row.description ?? '',
      priority: normalizePriority(row.priority),
    };
  });
  const train = sampleOf(
    all.filter((e) => !isJiraTestRow(e.id)),
    options.sample,
  );
  const test = sampleOf(
    all.filter((e) => isJiraTestRow(e.id)),
    options.sample,
  );
  const embedding = options.embedding ?? cachedUseEmbedding();
  log(`priority: embedding ${train.length + test.length} Jira bugs (cached after the first run)`);
  await embedding.embedder.embed([...train, ...test].map((e) => classifierText(e.title, e.description, e.service)));
  log(`priority: training on the train half (${train.length})`);
  const { model } = await trainTriageModel(train, embedding, 'jira train half (evaluation only, not kept)', {
    iterations: options.iterations,
  });
  const classifier = new EmbeddingTriageClassifier(model, embedding);

  log(`priority: triaging the test half (${test.length})`);
  const truth: string[] = [];
  const predicted: string[] = [];
  const byRules: string[] = [];
  const judged: { confidence: number; correct: boolean }[] = [];
  for (const example of test) {
    const incident = asIncident(example);
    const { triage, evidence } = await triageWithEvidence(incident, { model: classifier });
    truth.push(example.priority ?? 'P3');
    predicted.push(triage.priority);
    byRules.push(triageIncident(incident).priority);
    judged.push({ confidence: evidence.priority.confidence, correct: triage.priority === example.priority });
  }
  const bands = ['high', 'medium', 'low'];
  const three = macroF1(truth.map(band), predicted.map(band), bands);
  const five = macroF1(truth, predicted, ['P1', 'P2', 'P3', 'P4', 'P5']);
  const rules3 = macroF1(truth.map(band), byRules.map(band), bands);
  const accuracy3 = predicted.filter((p, i) => band(p) === band(truth[i]!)).length / Math.max(1, test.length);

  let offDomain: PriorityEvalDetails['offDomain'];
  const shipped = await readFile(resolve(__dirname, '..', '..', 'local', 'fixtures', 'triage-model.json'), 'utf8')
    .then((text) => parseTriageModel(JSON.parse(text)))
    .catch(() => undefined);
  if (shipped && shipped.embedding.model === embedding.model) {
    const defaultClassifier = new EmbeddingTriageClassifier(shipped, embedding);
    const stated: { confidence: number; correct: boolean }[] = [];
    for (const example of test) {
      const { triage, evidence } = await triageWithEvidence(asIncident(example), { model: defaultClassifier });
      stated.push({ confidence: evidence.priority.confidence, correct: triage.priority === example.priority });
    }
    offDomain = {
      meanConfidence: stated.reduce((s, p) => s + p.confidence, 0) / Math.max(1, stated.length),
      accuracy: stated.filter((p) => p.correct).length / Math.max(1, stated.length),
      atOrAbove80: accuracyAtOrAbove(stated, 0.8),
    };
  }

  const details: PriorityEvalDetails = {
    train: train.length,
    test: test.length,
    macroF1_3: three.macro,
    macroF1_5: five.macro,
    accuracy3,
    recallHigh: three.perClass[0]!.recall,
    rulesMacroF1_3: rules3.macro,
    perClass3: three.perClass,
    reliability: reliabilityTable(judged),
    ece: expectedCalibrationError(judged),
    atOrAbove80: accuracyAtOrAbove(judged, 0.8),
    heldOutOfTraining: model.fields.priority?.heldOut,
    ...(offDomain ? { offDomain } : {}),
    seconds: (performance.now() - started) / 1000,
  };
  const jira = `priority: Jira test half (${test.length})`;
  const rows: BenchmarkRow[] = [
    {
      benchmark: jira,
      metric: '3-way macro-F1',
      value: three.macro,
      baseline: BEFORE_3WAY_MACRO_F1,
      target: TARGET_3WAY_MACRO_F1,
    },
    { benchmark: jira, metric: 'P1-P5 macro-F1', value: five.macro, baseline: null, target: 0.405 },
    { benchmark: jira, metric: 'recall of P1+P2', value: details.recallHigh, baseline: null, target: null },
    {
      benchmark: 'calibration: Jira-trained priority',
      metric: 'ECE',
      value: details.ece,
      baseline: null,
      target: 0.05,
      lowerIsBetter: true,
    },
    {
      benchmark: 'calibration: Jira-trained priority',
      metric: `accuracy when p>=0.8 (n=${details.atOrAbove80.count})`,
      value: details.atOrAbove80.count ? details.atOrAbove80.accuracy : null,
      baseline: null,
      target: 0.8,
    },
  ];
  if (offDomain)
    rows.push({
      benchmark: 'calibration: shipped model on Jira (off-domain)',
      metric: `accuracy when p>=0.8 (n=${offDomain.atOrAbove80.count})`,
      value: offDomain.atOrAbove80.count ? offDomain.atOrAbove80.accuracy : null,
      baseline: null,
      target: 0.8,
      note: `mean stated confidence ${offDomain.meanConfidence.toFixed(2)}, accuracy ${offDomain.accuracy.toFixed(2)}`,
    });
  return { rows, details };
}

/** Prints the priority evaluation in full: per-band scores, the reliability table and the off-domain check. */
export function printPriorityDetails(details: PriorityEvalDetails): void {
  console.log(
    `Jira priority: trained on ${details.train} (train half), scored on ${details.test} (test half) in ${details.seconds.toFixed(0)} s`,
  );
  console.log(
    table([
      ['figure', 'value'],
      ['3-way macro-F1 (high P1-2 / medium P3 / low P4-5)', details.macroF1_3.toFixed(3)],
      ['P1-P5 macro-F1', details.macroF1_5.toFixed(3)],
      ['3-way accuracy', pct(details.accuracy3)],
      ['recall of high (P1+P2)', pct(details.recallHigh)],
      ['rules alone, 3-way macro-F1', details.rulesMacroF1_3.toFixed(3)],
      ['ECE of the stated priority confidence', details.ece.toFixed(3)],
    ]),
  );
  console.log(
    `\nper band\n${table([
      ['band', 'precision', 'recall', 'F1', 'support'],
      ...details.perClass3.map((c) => [c.label, pct(c.precision), pct(c.recall), c.f1.toFixed(3), c.support]),
    ])}`,
  );
  console.log(
    `\nreliability (stated priority confidence vs. share right, P1-P5 exact)\n${reliabilityText(details.reliability)}`,
  );
  if (details.heldOutOfTraining)
    console.log(
      `held-out folds of the train half (what training itself reports): accuracy ${pct(details.heldOutOfTraining.accuracy)}, ECE ${details.heldOutOfTraining.ece.toFixed(3)}`,
    );
  if (details.offDomain)
    console.log(
      `shipped default model (service-desk history) on the same bugs: mean confidence ${details.offDomain.meanConfidence.toFixed(2)}, ` +
        `accuracy ${pct(details.offDomain.accuracy)}, ${details.offDomain.atOrAbove80.count} answers at p>=0.8`,
    );
}

/** A reliability table as text. */
export function reliabilityText(bins: readonly ReliabilityBin[]): string {
  return table([
    ['confidence', 'count', 'mean conf.', 'accuracy'],
    ...bins.map((bin) => [
      `${bin.from.toFixed(1)}-${bin.to.toFixed(1)}`,
      bin.count,
      bin.count ? bin.confidence.toFixed(2) : '-',
      bin.count ? pct(bin.accuracy) : '-',
    ]),
  ]);
}
