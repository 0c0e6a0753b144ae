import { softmax } from './softmax-regression';

/**
 * Honest confidence for the triage classifier. Two corrections are applied to the head's raw probabilities:
 * - temperature scaling, fitted on predictions for examples the head did not train on (out-of-fold), so that a stated
 *   0.8 is right about 80% of the time on text like the training data;
 * - a familiarity discount: text whose nearest training neighbour is farther away than for almost every training
 *   example is unlike anything the model learned from, and its distribution is pulled towards uniform.
 */

/** Share of training examples below which a text counts as unfamiliar and its confidence is discounted. */
export const UNFAMILIAR_SHARE = 0.1;

/** Quantiles (0%, 5%, ..., 100%) of the training examples' nearest-other-example cosine similarity. */
export type FamiliarityQuantiles = readonly number[];

/** The quantiles of a sample at 0, 5, ..., 100 percent. */
export function quantiles(values: readonly number[], steps = 20): number[] {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return [];
  return Array.from({ length: steps + 1 }, (_, i) => sorted[Math.round((i / steps) * (sorted.length - 1))]!);
}

/** Where `value` falls among the training similarities: the share of training examples less familiar than it. */
export function familiarityShare(quantileList: FamiliarityQuantiles, value: number): number {
  const steps = quantileList.length - 1;
  if (steps < 1) return 1;
  if (value <= quantileList[0]!) return 0;
  if (value >= quantileList[steps]!) return 1;
  for (let i = 1; i <= steps; i++) {
    const low = quantileList[i - 1]!;
    const high = quantileList[i]!;
    if (value <= high) {
      const within = high > low ? (value - low) / (high - low) : 1;
      return (i - 1 + within) / steps;
    }
  }
  return 1;
}

/**
 * How much of the head's opinion to keep (0..1): 1 for text at least as familiar as the least familiar tenth of the
 * training data, falling linearly to 0 for text farther from every training example than any of them was.
 */
export function familiarityWeight(quantileList: FamiliarityQuantiles, nearestSimilarity: number): number {
  return Math.min(1, familiarityShare(quantileList, nearestSimilarity) / UNFAMILIAR_SHARE);
}

/** Calibrated distribution: tempered softmax, then mixed with uniform by the familiarity weight. */
export function calibratedDistribution(logits: readonly number[], temperature: number, familiarity = 1): number[] {
  const p = softmax(logits, temperature);
  return p.map((value) => familiarity * value + (1 - familiarity) / p.length);
}

/**
 * The temperature that minimises the negative log-likelihood of the true labels over held-out logits (golden-section
 * search over log T in [-3, 3]: T from 0.05 to 20). Returns 1 when there is nothing to fit on.
 */
export function fitTemperature(
  logits: readonly (readonly number[])[],
  labels: readonly number[],
  familiarity: readonly number[] = [],
): number {
  if (logits.length === 0) return 1;
  const nll = (logT: number) => {
    const t = Math.exp(logT);
    let total = 0;
    logits.forEach((row, i) => {
      const p = calibratedDistribution(row, t, familiarity[i] ?? 1)[labels[i]!]!;
      total -= Math.log(Math.max(p, 1e-12));
    });
    return total;
  };
  const ratio = (Math.sqrt(5) - 1) / 2;
  let a = -3;
  let b = 3;
  let c = b - ratio * (b - a);
  let d = a + ratio * (b - a);
  let fc = nll(c);
  let fd = nll(d);
  for (let i = 0; i < 60; i++) {
    if (fc < fd) {
      b = d;
      d = c;
      fd = fc;
      c = b - ratio * (b - a);
      fc = nll(c);
    } else {
      a = c;
      c = d;
      fc = fd;
      d = a + ratio * (b - a);
      fd = nll(d);
    }
  }
  return Math.exp((a + b) / 2);
}

/** One row of a reliability table: predictions whose confidence fell in [from, to). */
export interface ReliabilityBin {
  readonly from: number;
  readonly to: number;
  readonly count: number;
  /** Mean stated confidence in the bin (NaN when empty). */
  readonly confidence: number;
  /** Share of the bin's predictions that were right (NaN when empty). */
  readonly accuracy: number;
}

/** Default bin edges: coarse below 0.6, finer where decisions are made (0.8 is the "no person needed" line). */
export const RELIABILITY_EDGES = [0, 0.2, 0.4, 0.6, 0.7, 0.8, 0.9, 1];

/** Groups (confidence, correct) pairs into bins; the last bin includes 1.0. */
export function reliabilityTable(
  predictions: readonly { confidence: number; correct: boolean }[],
  edges: readonly number[] = RELIABILITY_EDGES,
): ReliabilityBin[] {
  return edges.slice(0, -1).map((from, i) => {
    const to = edges[i + 1]!;
    const last = i === edges.length - 2;
    const inBin = predictions.filter(
      (p) => p.confidence >= from && (p.confidence < to || (last && p.confidence <= to)),
    );
    const count = inBin.length;
    return {
      from,
      to,
      count,
      confidence: count ? inBin.reduce((s, p) => s + p.confidence, 0) / count : Number.NaN,
      accuracy: count ? inBin.filter((p) => p.correct).length / count : Number.NaN,
    };
  });
}

/** Expected calibration error over ten equal-width bins: the count-weighted gap between confidence and accuracy. */
export function expectedCalibrationError(predictions: readonly { confidence: number; correct: boolean }[]): number {
  if (predictions.length === 0) return 0;
  const bins = reliabilityTable(
    predictions,
    Array.from({ length: 11 }, (_, i) => i / 10),
  );
  return bins.reduce(
    (sum, bin) => (bin.count ? sum + (bin.count / predictions.length) * Math.abs(bin.confidence - bin.accuracy) : sum),
    0,
  );
}

/** Accuracy of the predictions stated at or above `threshold` (NaN when there are none): the promise to keep. */
export function accuracyAtOrAbove(
  predictions: readonly { confidence: number; correct: boolean }[],
  threshold: number,
): { count: number; accuracy: number } {
  const sure = predictions.filter((p) => p.confidence >= threshold);
  return {
    count: sure.length,
    accuracy: sure.length ? sure.filter((p) => p.correct).length / sure.length : Number.NaN,
  };
}
