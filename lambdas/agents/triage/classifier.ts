import { createHash } from 'node:crypto';
import { terms } from '../../knowledge/lexical';
import type { Embedder } from '../../ports/knowledge-index';
import type {
  FieldHead,
  HistoricalIncident,
  SimilarIncident,
  TriageClassifier,
  TriageField,
  TriageModel,
  TriagePrediction,
} from '../../ports/triage-model';
import {
  calibratedDistribution,
  expectedCalibrationError,
  familiarityWeight,
  fitTemperature,
  quantiles,
  type ReliabilityBin,
  reliabilityTable,
} from './calibration';
import {
  type FeatureRow,
  fitSoftmaxRegression,
  fitStandardiser,
  linearLogits,
  type Standardiser,
  standardise,
} from './softmax-regression';
import type { TrainingExample } from './training-data';

export type { FieldPrediction, SimilarIncident, TriagePrediction } from '../../ports/triage-model';

/** Neighbours that may be cited as precedent. */
const NEIGHBOURS = 5;
/**
 * Below this cosine similarity of sentence embeddings, a resolved incident is not cited as precedent: unrelated
 * English sentences commonly score 0.2-0.4 with these encoders, paraphrases 0.7 and more.
 */
export const MIN_PRECEDENT_SIMILARITY = 0.5;
const FIELDS: TriageField[] = ['category', 'priority', 'assignmentGroup'];

/** The embedder the classifier uses, named so a model is only ever read with the embeddings it was trained on. */
export interface NamedEmbedder {
  readonly embedder: Embedder;
  /** Identifies model and output size (`use-lite-512`, `amazon.titan-embed-text-v2:0/1024`). */
  readonly model: string;
}

/** Options of {@link trainTriageModel}. */
export interface TrainTriageOptions {
  readonly now?: Date;
  /** Folds used to produce the held-out predictions the calibration is fitted on. @default 5 */
  readonly folds?: number;
  /**
   * Resolved incidents kept in the model as precedent and as the reference for familiarity (evenly sampled when
   * there are more). Bounds the model file (about 1 kB per incident) and the training time, which grows with the
   * square of this number. @default 2000
   */
  readonly maxHistory?: number;
  /** Optimisation steps of each head. @default 300 */
  readonly iterations?: number;
}

/** What training measured on held-out folds of the training data itself, per field. */
export interface TrainingReport {
  fields: Partial<
    Record<
      TriageField,
      { classes: number; count: number; accuracy: number; ece: number; reliability: ReliabilityBin[] }
    >
  >;
}

/**
 * The text the classifier embeds for an incident: the title (what the reporter led with), the affected service, then
 * as much of the description as the encoder reads.
 */
export function classifierText(title: string, description: string, service?: string): string {
  const ci = service?.trim() ? ` [${service.trim()}]` : '';
  return `${title.trim()}${ci}. ${description.trim()}`.slice(0, 2000);
}

/**
 * Terms of an incident for the lexical block: stemmed words of title and description and adjacent pairs of them,
 * which carry phrases like `disk full`, `data loss` or `typo`.
 */
export function termsOf(title: string, description: string): string[] {
  const list = [...terms(title), ...terms(description.slice(0, 4000))];
  return [...list, ...list.slice(1).map((term, i) => `${list[i]}_${term}`)];
}

/** Terms kept in the vocabulary at most (the most frequent), which bounds the heads' size. */
const MAX_VOCABULARY = 20_000;

/** Learns the vocabulary (terms in at least two incidents) and smoothed inverse document frequencies. */
function learnVocabulary(documents: readonly string[][]): { vocabulary: string[]; idf: number[] } {
  const frequency = new Map<string, number>();
  for (const doc of documents) for (const term of new Set(doc)) frequency.set(term, (frequency.get(term) ?? 0) + 1);
  const vocabulary = [...frequency.entries()]
    .filter(([, df]) => df >= 2)
    .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
    .slice(0, MAX_VOCABULARY)
    .map(([term]) => term)
    .sort();
  const n = documents.length;
  const idf = vocabulary.map((term) => round6(Math.log((1 + n) / (1 + frequency.get(term)!)) + 1));
  return { vocabulary, idf };
}

/**
 * Sublinear TF-IDF of a document over the vocabulary, scaled to the length of the standardised embedding (the square
 * root of its dimensions), so both blocks speak equally loudly to the head and share one regularisation.
 */
function lexicalBlock(
  doc: readonly string[],
  index: ReadonlyMap<string, number>,
  idf: readonly number[],
  dims: number,
): [number, number][] {
  const counts = new Map<number, number>();
  for (const term of doc) {
    const position = index.get(term);
    if (position !== undefined) counts.set(position, (counts.get(position) ?? 0) + 1);
  }
  const entries = [...counts.entries()].map(([t, count]): [number, number] => [t, (1 + Math.log(count)) * idf[t]!]);
  const norm = Math.sqrt(entries.reduce((sum, [, w]) => sum + w * w, 0));
  const scale = norm > 0 ? Math.sqrt(dims) / norm : 0;
  return entries.map(([t, w]) => [t, w * scale]);
}

/** A stable fold per example (hash of its id), so training is repeatable. */
const foldOf = (id: string, folds: number) => createHash('sha256').update(id).digest().readUInt32BE(0) % folds;

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i]! * b[i]!;
  return sum;
}

function unit(vector: ArrayLike<number>): Float32Array {
  const out = Float32Array.from(vector);
  const norm = Math.sqrt(dot(out, out));
  if (norm > 0) for (let i = 0; i < out.length; i++) out[i]! /= norm;
  return out;
}

/** Quantises a unit vector to signed bytes and encodes it (a 512-d vector becomes 684 characters). */
export function encodeVector(vector: ArrayLike<number>): string {
  const bytes = Int8Array.from(Array.from(vector, (value) => Math.max(-127, Math.min(127, Math.round(value * 127)))));
  return Buffer.from(bytes.buffer).toString('base64');
}

/** Decodes a quantised vector back to unit length. */
export function decodeVector(encoded: string): Float32Array {
  const bytes = Buffer.from(encoded, 'base64');
  return unit(new Int8Array(bytes.buffer, bytes.byteOffset, bytes.length));
}

/** Indices of at most `max` items, evenly spread over `count`. */
function evenSample(count: number, max: number): number[] {
  if (count <= max) return Array.from({ length: count }, (_, i) => i);
  return Array.from({ length: max }, (_, i) => Math.floor((i * count) / max));
}

/** Each vector's cosine similarity to its nearest vector in `reference`, skipping itself (by index in `selfIndex`). */
function nearestOther(
  vectors: readonly Float32Array[],
  reference: readonly Float32Array[],
  selfIndex: (i: number) => number,
): number[] {
  return vectors.map((vector, i) => {
    const self = selfIndex(i);
    let best = -1;
    reference.forEach((other, j) => {
      if (j === self) return;
      const similarity = dot(vector, other);
      if (similarity > best) best = similarity;
    });
    return best;
  });
}

/**
 * Trains the classifier from resolved incidents. Every incident is embedded once; per field with at least two
 * labels, a class-balanced softmax regression is fitted on the standardised embedding and the TF-IDF of its terms. Calibration comes from the
 * training data alone: the heads are refitted fold by fold to predict the examples they did not see, a temperature is
 * fitted to those held-out predictions (with the familiarity discount the agent will apply), and the final head is
 * fitted on everything. Examples without a value for a field do not count for that field.
 */
export async function trainTriageModel(
  examples: readonly TrainingExample[],
  embedding: NamedEmbedder,
  trainedOn: string,
  options: TrainTriageOptions = {},
): Promise<{ model: TriageModel; report: TrainingReport }> {
  const raw = await embedding.embedder.embed(examples.map((e) => classifierText(e.title, e.description, e.service)));
  const vectors = raw.map(unit);
  const dims = vectors[0]?.length ?? embedding.embedder.dimensions;
  const standardiser = fitStandardiser(vectors.map((v) => Array.from(v)));
  const documents = examples.map((e) => termsOf(e.title, e.description));
  const { vocabulary, idf } = learnVocabulary(documents);
  const termIndex = new Map(vocabulary.map((term, i) => [term, i]));
  const features: FeatureRow[] = vectors.map((v, i) => ({
    dense: standardise(standardiser, Array.from(v)),
    sparse: lexicalBlock(documents[i]!, termIndex, idf, dims),
  }));

  const kept = evenSample(examples.length, options.maxHistory ?? 2000);
  const keptPosition = new Map(kept.map((index, position) => [index, position]));
  const history = kept.map((i) => vectors[i]!);
  const keptSimilarity = nearestOther(history, history, (i) => i);
  const familiarity = quantiles(keptSimilarity);
  const exampleFamiliarity = nearestOther(vectors, history, (i) => keptPosition.get(i) ?? -1).map((similarity) =>
    familiarityWeight(familiarity, similarity),
  );

  const folds = Math.max(2, options.folds ?? 5);
  const fields = {} as Record<TriageField, FieldHead | undefined>;
  const report: TrainingReport = { fields: {} };
  for (const field of FIELDS) {
    const labelled = examples.flatMap((example, i) => (example[field] ? [{ i, label: example[field]! }] : []));
    const classes = [...new Set(labelled.map((entry) => entry.label))].sort();
    if (classes.length < 2) {
      fields[field] = undefined;
      continue;
    }
    const classIndex = new Map(classes.map((label, c) => [label, c]));
    const fitHead = (subset: typeof labelled) =>
      fitSoftmaxRegression(
        subset.map((entry) => features[entry.i]!),
        subset.map((entry) => classIndex.get(entry.label)!),
        classes.length,
        vocabulary.length,
        { iterations: options.iterations },
      );

    const heldOutLogits: number[][] = [];
    const heldOutLabels: number[] = [];
    const heldOutFamiliarity: number[] = [];
    for (let fold = 0; fold < folds; fold++) {
      const test = labelled.filter((entry) => foldOf(examples[entry.i]!.id, folds) === fold);
      const train = labelled.filter((entry) => foldOf(examples[entry.i]!.id, folds) !== fold);
      if (test.length === 0 || new Set(train.map((entry) => entry.label)).size < 2) continue;
      const head = fitHead(train);
      for (const entry of test) {
        heldOutLogits.push(linearLogits(head, features[entry.i]!));
        heldOutLabels.push(classIndex.get(entry.label)!);
        heldOutFamiliarity.push(exampleFamiliarity[entry.i]!);
      }
    }
    const temperature = fitTemperature(heldOutLogits, heldOutLabels, heldOutFamiliarity);
    const judged = heldOutLogits.map((logits, k) => {
      const p = calibratedDistribution(logits, temperature, heldOutFamiliarity[k]);
      const best = p.indexOf(Math.max(...p));
      return { confidence: p[best]!, correct: best === heldOutLabels[k] };
    });
    const accuracy = judged.length ? judged.filter((j) => j.correct).length / judged.length : 0;
    const ece = expectedCalibrationError(judged);
    report.fields[field] = {
      classes: classes.length,
      count: judged.length,
      accuracy,
      ece,
      reliability: reliabilityTable(judged),
    };
    const head = fitHead(labelled);
    fields[field] = {
      classes,
      weights: head.weights.map((row) => row.map(round6)),
      bias: head.bias.map(round6),
      temperature: round6(temperature),
      heldOut: { count: judged.length, accuracy: round6(accuracy), ece: round6(ece) },
    };
  }

  const model: TriageModel = {
    format: 'lumos-triage-model',
    version: 2,
    trainedAt: (options.now ?? new Date()).toISOString(),
    trainedOn,
    exampleCount: examples.length,
    embedding: { model: embedding.model, dimensions: dims },
    vocabulary,
    idf,
    standardiser: { mean: standardiser.mean.map(round6), scale: standardiser.scale.map(round6) },
    fields,
    familiarity: familiarity.map(round6),
    history: kept.map((i): HistoricalIncident => {
      const example = examples[i]!;
      return {
        id: example.id,
        title: example.title,
        ...(example.category ? { category: example.category } : {}),
        ...(example.priority ? { priority: example.priority } : {}),
        ...(example.assignmentGroup ? { assignmentGroup: example.assignmentGroup } : {}),
        ...(example.service ? { service: example.service } : {}),
        ...(example.resolution ? { resolution: example.resolution.slice(0, 500) } : {}),
        vector: encodeVector(vectors[i]!),
      };
    }),
  };
  return { model, report };
}

const round6 = (value: number) => Math.round(value * 1e6) / 1e6;
const round3 = (value: number) => Math.round(value * 1000) / 1000;

/** Decoded history and the term index, built once per model object. */
const prepared = new WeakMap<TriageModel, { history: Float32Array[]; termIndex: Map<string, number> }>();
function prepare(model: TriageModel) {
  let entry = prepared.get(model);
  if (!entry) {
    entry = {
      history: model.history.map((past) => decodeVector(past.vector)),
      termIndex: new Map(model.vocabulary.map((term, i) => [term, i])),
    };
    prepared.set(model, entry);
  }
  return entry;
}

/**
 * Classifies one embedded incident (pure): calibrated distribution per field, discounted by how unfamiliar the text
 * is, and the nearest resolved incidents as precedent.
 */
export function predictFromEmbedding(
  model: TriageModel,
  embedding: readonly number[],
  title: string,
  description: string,
): TriagePrediction {
  const vector = unit(embedding);
  const { history: past, termIndex } = prepare(model);
  const scored = past
    .map((other, i) => ({ i, similarity: dot(vector, other) }))
    .sort((a, b) => b.similarity - a.similarity);
  const nearestSimilarity = scored[0]?.similarity ?? 0;
  const familiarity = familiarityWeight(model.familiarity, nearestSimilarity);
  const similar: SimilarIncident[] = scored
    .filter((entry) => entry.similarity >= MIN_PRECEDENT_SIMILARITY)
    .slice(0, NEIGHBOURS)
    .map(({ i, similarity }) => {
      const incident = model.history[i]!;
      return {
        id: incident.id,
        title: incident.title,
        similarity: Math.round(similarity * 100) / 100,
        ...(incident.category ? { category: incident.category } : {}),
        ...(incident.priority ? { priority: incident.priority } : {}),
        ...(incident.assignmentGroup ? { assignmentGroup: incident.assignmentGroup } : {}),
        ...(incident.resolution ? { resolution: incident.resolution } : {}),
      };
    });

  const x: FeatureRow = {
    dense: standardise(model.standardiser as Standardiser, Array.from(vector)),
    sparse: lexicalBlock(termsOf(title, description), termIndex, model.idf, vector.length),
  };
  const fields: TriagePrediction['fields'] = {};
  const distributions: TriagePrediction['distributions'] = {};
  for (const field of FIELDS) {
    const head = model.fields[field];
    if (!head) continue;
    const p = calibratedDistribution(linearLogits(head, x), head.temperature, familiarity);
    const ranked = head.classes
      .map((label, c) => ({ label, probability: round3(p[c]!) }))
      .sort((a, b) => b.probability - a.probability);
    fields[field] = { label: ranked[0]!.label, probability: ranked[0]!.probability, alternatives: ranked.slice(1, 3) };
    distributions[field] = Object.fromEntries(head.classes.map((label, c) => [label, p[c]!]));
  }
  return {
    familiarity: round3(familiarity),
    nearestSimilarity: round3(nearestSimilarity),
    fields,
    distributions,
    similar,
  };
}

/** The model's embedding does not match the embedder the runtime offers: the heads would read noise. */
export class EmbeddingMismatchError extends Error {
  override readonly name = 'EmbeddingMismatchError';
}

/** {@link TriageClassifier} over a trained model and the embedder it was trained with. */
export class EmbeddingTriageClassifier implements TriageClassifier {
  constructor(
    readonly model: TriageModel,
    private readonly embedding: NamedEmbedder,
  ) {
    if (model.embedding.model !== embedding.model)
      throw new EmbeddingMismatchError(
        `the triage model was trained on '${model.embedding.model}' embeddings but this runtime embeds with ` +
          `'${embedding.model}': retrain it with bin/train-triage.ts --embedder matching the runtime`,
      );
  }

  async classify(title: string, description: string, service?: string): Promise<TriagePrediction> {
    const [vector] = await this.embedding.embedder.embed([classifierText(title, description, service)]);
    return predictFromEmbedding(this.model, vector ?? [], title, description);
  }
}
