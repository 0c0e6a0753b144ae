/**
 * A triage classifier trained from resolved incidents (`bin/train-triage.ts` writes it): sentence embeddings and
 * term weights of each incident, a softmax-regression head per field with a calibration temperature, and the resolved incidents
 * themselves (as quantised embeddings), so triage can cite precedent and tell familiar text from text it never saw.
 */
export interface TriageModel {
  readonly format: 'lumos-triage-model';
  readonly version: 2;
  readonly trainedAt: string;
  /** Where the examples came from (file names), for the timeline. */
  readonly trainedOn: string;
  readonly exampleCount: number;
  /** The embedding model the heads were trained on; only the same model may embed text for them. */
  readonly embedding: { readonly model: string; readonly dimensions: number };
  /**
   * The team's own terms (stemmed words and word pairs seen in at least two resolved incidents) and their inverse
   * document frequency: the heads read them beside the embedding, which knows English but not the team's jargon.
   */
  readonly vocabulary: readonly string[];
  readonly idf: readonly number[];
  /** Per-dimension standardisation applied to the embedding before every head. */
  readonly standardiser: { readonly mean: readonly number[]; readonly scale: readonly number[] };
  readonly fields: Readonly<Record<TriageField, FieldHead | undefined>>;
  /**
   * Quantiles (0%, 5%, ..., 100%) of each kept training example's cosine similarity to its nearest other example:
   * how close familiar text sits to the training data.
   */
  readonly familiarity: readonly number[];
  readonly history: readonly HistoricalIncident[];
}

export type TriageField = 'category' | 'priority' | 'assignmentGroup';

/** The softmax-regression head of one field. */
export interface FieldHead {
  readonly classes: readonly string[];
  /** One row of weights per class: the standardised embedding's dimensions, then one per vocabulary term. */
  readonly weights: readonly (readonly number[])[];
  readonly bias: readonly number[];
  /** Calibration temperature fitted on out-of-fold predictions of the training data. */
  readonly temperature: number;
  /** How the head did on the training data it was not fitted on (out-of-fold), after calibration. */
  readonly heldOut?: { readonly count: number; readonly accuracy: number; readonly ece: number };
}

/** A resolved incident kept as evidence. */
export interface HistoricalIncident {
  readonly id: string;
  readonly title: string;
  readonly category?: string;
  readonly priority?: string;
  readonly assignmentGroup?: string;
  readonly service?: string;
  readonly resolution?: string;
  /** Its embedding, unit length, quantised to signed bytes (x127) and base64-encoded. */
  readonly vector: string;
}

/** A field's prediction: the best label, its calibrated probability and the runners-up. */
export interface FieldPrediction {
  label: string;
  probability: number;
  alternatives: { label: string; probability: number }[];
}

/** A resolved incident close to the one being triaged. */
export interface SimilarIncident {
  id: string;
  title: string;
  similarity: number;
  category?: string;
  priority?: string;
  assignmentGroup?: string;
  resolution?: string;
}

/** What the classifier says about one incident. */
export interface TriagePrediction {
  /**
   * 0..1: how much the text resembles the training data (1 = at least as close as nine in ten training examples are
   * to each other). Below 1, the probabilities were pulled towards uniform in proportion.
   */
  familiarity: number;
  /** Cosine similarity to the nearest resolved incident. */
  nearestSimilarity: number;
  fields: Partial<Record<TriageField, FieldPrediction>>;
  /** The whole calibrated distribution per field, for combining with other evidence. */
  distributions: Partial<Record<TriageField, Record<string, number>>>;
  similar: SimilarIncident[];
}

/** A trained model paired with the embedder it needs: what the triage agent consults. */
export interface TriageClassifier {
  readonly model: TriageModel;
  classify(title: string, description: string, service?: string): Promise<TriagePrediction>;
}

/** Where the trained model lives (a file locally; a file shipped with the function, or none, in AWS). */
export interface TriageModelStore {
  /** The classifier, or undefined when no model has been trained. */
  load(): Promise<TriageClassifier | undefined>;
}
