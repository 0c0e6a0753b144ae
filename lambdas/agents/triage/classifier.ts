import { terms } from '../../knowledge/lexical';
import type { FieldModel, HistoricalIncident, TriageField, TriageModel } from '../../ports/triage-model';
import type { TrainingExample } from './training-data';

/** Additive smoothing of the naive Bayes term likelihoods. */
const ALPHA = 0.5;
/** Share of a field's posterior that comes from naive Bayes; the rest from the similarity-weighted vote of neighbours. */
const BAYES_SHARE = 0.6;
/** Neighbours that vote and may be cited. */
const NEIGHBOURS = 5;
/** Below this cosine similarity, a resolved incident is not precedent for this one. */
const MIN_SIMILARITY = 0.15;
const FIELDS: TriageField[] = ['category', 'priority', 'assignmentGroup'];

/**
 * Features of an incident: index terms (stemmed, stop words out) of the title twice (the reporter led with it) and of
 * the description once, adjacent-term bigrams, which carry phrases like `disk full` or `password reset`, and the
 * affected configuration item.
 */
export function featuresOf(title: string, description: string, service?: string): string[] {
  const titleTerms = terms(title);
  const bodyTerms = terms(description.slice(0, 4000));
  const bigrams = (list: string[]) => list.slice(1).map((term, i) => `${list[i]}_${term}`);
  // The affected CI is strong evidence of the owning team; it enters as one feature, not as words.
  const ci = service?.trim() ? [`ci:${service.trim().toLowerCase()}`] : [];
  return [...titleTerms, ...titleTerms, ...bodyTerms, ...bigrams(titleTerms), ...bigrams(bodyTerms), ...ci];
}

function countTerms(features: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const feature of features) counts.set(feature, (counts.get(feature) ?? 0) + 1);
  return counts;
}

/** Unit-length sparse TF-IDF vector (log-scaled term frequency). */
function tfidf(counts: Map<string, number>, index: Map<string, number>, idf: readonly number[]): [number, number][] {
  const entries: [number, number][] = [];
  for (const [term, count] of counts) {
    const position = index.get(term);
    if (position === undefined) continue;
    entries.push([position, (1 + Math.log(count)) * (idf[position] ?? 0)]);
  }
  const norm = Math.sqrt(entries.reduce((sum, [, w]) => sum + w * w, 0));
  return norm > 0
    ? entries
        .map(([i, w]): [number, number] => [i, Math.round((w / norm) * 10_000) / 10_000])
        .sort((a, b) => a[0] - b[0])
    : [];
}

/** Trains the model from resolved incidents. Examples without a value for a field do not count for that field. */
export function trainTriageModel(
  examples: readonly TrainingExample[],
  trainedOn: string,
  now = new Date(),
): TriageModel {
  const documents = examples.map((example) =>
    countTerms(featuresOf(example.title, example.description, example.service)),
  );
  const documentFrequency = new Map<string, number>();
  for (const doc of documents)
    for (const term of doc.keys()) documentFrequency.set(term, (documentFrequency.get(term) ?? 0) + 1);
  const vocabulary = [...documentFrequency.keys()].sort();
  const index = new Map(vocabulary.map((term, i) => [term, i]));
  const idf = vocabulary.map(
    (term) => Math.round(Math.log((1 + examples.length) / (1 + documentFrequency.get(term)!)) * 10_000) / 10_000 + 1,
  );

  const fields = {} as Record<TriageField, FieldModel | undefined>;
  for (const field of FIELDS) {
    const classes = [...new Set(examples.map((e) => e[field]).filter((v): v is string => Boolean(v)))].sort();
    if (classes.length === 0) {
      fields[field] = undefined;
      continue;
    }
    const classIndex = new Map(classes.map((c, i) => [c, i]));
    const docs = classes.map(() => 0);
    const totals = classes.map(() => 0);
    const counts = classes.map(() => new Map<number, number>());
    examples.forEach((example, i) => {
      const label = example[field];
      const c = label ? classIndex.get(label) : undefined;
      if (c === undefined) return;
      docs[c]!++;
      for (const [term, count] of documents[i]!) {
        const t = index.get(term)!;
        counts[c]!.set(t, (counts[c]!.get(t) ?? 0) + count);
        totals[c]! += count;
      }
    });
    fields[field] = {
      classes,
      docs,
      totals,
      counts: counts.map((map) => [...map.entries()].sort((a, b) => a[0] - b[0])),
    };
  }

  const history: HistoricalIncident[] = examples.map((example, i) => ({
    id: example.id,
    title: example.title,
    ...(example.category ? { category: example.category } : {}),
    ...(example.priority ? { priority: example.priority } : {}),
    ...(example.assignmentGroup ? { assignmentGroup: example.assignmentGroup } : {}),
    ...(example.service ? { service: example.service } : {}),
    ...(example.resolution ? { resolution: example.resolution.slice(0, 500) } : {}),
    vector: tfidf(documents[i]!, index, idf),
  }));

  return {
    format: 'lumos-triage-model',
    version: 1,
    trainedAt: now.toISOString(),
    trainedOn,
    exampleCount: examples.length,
    vocabulary,
    idf,
    fields,
    history,
  };
}

/** A field's prediction: the best label, its probability and the runners-up. */
export interface FieldPrediction {
  label: string;
  probability: number;
  alternatives: { label: string; probability: number }[];
}

export interface SimilarIncident {
  id: string;
  title: string;
  similarity: number;
  category?: string;
  priority?: string;
  assignmentGroup?: string;
  resolution?: string;
}

export interface TriagePrediction {
  /** Features of the text that the model knows; 0 means the model has nothing to say. */
  knownFeatures: number;
  fields: Partial<Record<TriageField, FieldPrediction>>;
  /** The whole posterior per field, for combining with other evidence. */
  distributions: Partial<Record<TriageField, Record<string, number>>>;
  similar: SimilarIncident[];
}

/** Prepared lookups, built once per model object. */
interface Prepared {
  index: Map<string, number>;
  likelihoods: Partial<
    Record<TriageField, { logPrior: number[]; logLikelihood: Map<number, number>[]; unseen: number[] }>
  >;
}
const prepared = new WeakMap<TriageModel, Prepared>();

function prepare(model: TriageModel): Prepared {
  const cached = prepared.get(model);
  if (cached) return cached;
  const vocabularySize = model.vocabulary.length;
  const likelihoods: Prepared['likelihoods'] = {};
  for (const field of FIELDS) {
    const fieldModel = model.fields[field];
    if (!fieldModel) continue;
    const totalDocs = fieldModel.docs.reduce((a, b) => a + b, 0);
    likelihoods[field] = {
      logPrior: fieldModel.docs.map((d) => Math.log((d + 1) / (totalDocs + fieldModel.classes.length))),
      unseen: fieldModel.totals.map((total) => Math.log(ALPHA / (total + ALPHA * vocabularySize))),
      logLikelihood: fieldModel.counts.map((pairs, c) => {
        const denominator = fieldModel.totals[c]! + ALPHA * vocabularySize;
        return new Map(pairs.map(([t, count]) => [t, Math.log((count + ALPHA) / denominator)]));
      }),
    };
  }
  const result = { index: new Map(model.vocabulary.map((term, i) => [term, i])), likelihoods };
  prepared.set(model, result);
  return result;
}

function softmax(scores: number[]): number[] {
  const max = Math.max(...scores);
  const exps = scores.map((s) => Math.exp(s - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Classifies an incident's text. Per field, naive Bayes (with its log-likelihood scaled down by the square root of
 * the number of known features, because the independence assumption otherwise makes it absurdly sure) is blended
 * with the similarity-weighted vote of the nearest resolved incidents. Those neighbours are also returned as precedent.
 */
export function classifyIncident(
  model: TriageModel,
  title: string,
  description: string,
  service?: string,
): TriagePrediction {
  const { index, likelihoods } = prepare(model);
  const counts = countTerms(featuresOf(title, description, service));
  const known = [...counts.entries()]
    .filter(([term]) => index.has(term))
    .map(([term, count]) => [index.get(term)!, count] as const);
  const knownFeatures = known.reduce((sum, [, count]) => sum + count, 0);

  const query = tfidf(counts, index, model.idf);
  const queryWeights = new Map(query);
  const similar: SimilarIncident[] = model.history
    .map((past) => {
      let dot = 0;
      for (const [t, w] of past.vector) dot += w * (queryWeights.get(t) ?? 0);
      return { past, similarity: dot };
    })
    .filter((entry) => entry.similarity >= MIN_SIMILARITY)
    .sort((a, b) => b.similarity - a.similarity)
    .slice(0, NEIGHBOURS)
    .map(({ past, similarity }) => ({
      id: past.id,
      title: past.title,
      similarity: Math.round(similarity * 100) / 100,
      ...(past.category ? { category: past.category } : {}),
      ...(past.priority ? { priority: past.priority } : {}),
      ...(past.assignmentGroup ? { assignmentGroup: past.assignmentGroup } : {}),
      ...(past.resolution ? { resolution: past.resolution } : {}),
    }));

  const fields: TriagePrediction['fields'] = {};
  const distributions: TriagePrediction['distributions'] = {};
  if (knownFeatures === 0) return { knownFeatures, fields, distributions, similar };
  const temperature = Math.sqrt(knownFeatures);
  for (const field of FIELDS) {
    const fieldModel = model.fields[field];
    const lookup = likelihoods[field];
    if (!fieldModel || !lookup) continue;
    const scores = fieldModel.classes.map((_, c) => {
      let logLikelihood = 0;
      for (const [t, count] of known) logLikelihood += count * (lookup.logLikelihood[c]!.get(t) ?? lookup.unseen[c]!);
      return lookup.logPrior[c]! + logLikelihood / temperature;
    });
    const bayes = softmax(scores);
    const votes = fieldModel.classes.map(() => 0);
    let voteTotal = 0;
    for (const neighbour of similar) {
      const label = neighbour[field];
      const c = label ? fieldModel.classes.indexOf(label) : -1;
      if (c >= 0) {
        votes[c]! += neighbour.similarity;
        voteTotal += neighbour.similarity;
      }
    }
    const blended = bayes.map((p, c) =>
      voteTotal > 0 ? BAYES_SHARE * p + (1 - BAYES_SHARE) * (votes[c]! / voteTotal) : p,
    );
    const ranked = fieldModel.classes
      .map((label, c) => ({ label, probability: Math.round(blended[c]! * 1000) / 1000 }))
      .sort((a, b) => b.probability - a.probability);
    fields[field] = { label: ranked[0]!.label, probability: ranked[0]!.probability, alternatives: ranked.slice(1, 3) };
    distributions[field] = Object.fromEntries(fieldModel.classes.map((label, c) => [label, blended[c]!]));
  }
  return { knownFeatures, fields, distributions, similar };
}
