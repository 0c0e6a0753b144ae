/**
 * A triage classifier trained from resolved incidents (`bin/train-triage.ts` writes it): multinomial naive Bayes per
 * field over index terms, plus the resolved incidents themselves as TF-IDF vectors, so triage can cite precedent.
 */
export interface TriageModel {
  readonly format: 'lumos-triage-model';
  readonly version: 1;
  readonly trainedAt: string;
  /** Where the examples came from (file names), for the timeline. */
  readonly trainedOn: string;
  readonly exampleCount: number;
  /** Index term -> position in every sparse vector below. */
  readonly vocabulary: readonly string[];
  /** Inverse document frequency per vocabulary term. */
  readonly idf: readonly number[];
  readonly fields: Readonly<Record<TriageField, FieldModel | undefined>>;
  readonly history: readonly HistoricalIncident[];
}

export type TriageField = 'category' | 'priority' | 'assignmentGroup';

/** Naive Bayes counts for one field. */
export interface FieldModel {
  readonly classes: readonly string[];
  /** Training examples per class. */
  readonly docs: readonly number[];
  /** Term occurrences per class. */
  readonly totals: readonly number[];
  /** Per class: sparse [term index, count] pairs. */
  readonly counts: readonly (readonly (readonly [number, number])[])[];
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
  /** Unit-length sparse TF-IDF vector: [term index, weight] pairs. */
  readonly vector: readonly (readonly [number, number])[];
}

/** Where the trained model lives (a file locally; a bundled file or none in AWS). */
export interface TriageModelStore {
  /** The model, or undefined when none has been trained. */
  load(): Promise<TriageModel | undefined>;
}
