/**
 * Multinomial logistic regression (softmax regression) with class weights and L2 regularisation, small enough to
 * read in one sitting: the head that turns a sentence embedding and the team's own terms into a distribution over
 * labels. Training is full-batch Adam; a thousand examples of a few thousand dimensions fit in seconds.
 */

/**
 * One example's features: a dense block (the standardised embedding) followed by a sparse block (term weights), as
 * [index within the sparse block, value] pairs.
 */
export interface FeatureRow {
  readonly dense: readonly number[];
  readonly sparse: readonly (readonly [number, number])[];
}

/** A fitted linear head: `logits = W · [dense, sparse] + b`; each row of W has dense + sparse dimensions. */
export interface LinearHead {
  readonly weights: readonly (readonly number[])[];
  readonly bias: readonly number[];
}

/** Per-dimension standardisation learned from the training vectors (mean 0, unit variance). */
export interface Standardiser {
  readonly mean: readonly number[];
  readonly scale: readonly number[];
}

/** Options of {@link fitSoftmaxRegression}. */
export interface SoftmaxFitOptions {
  /**
   * L2 penalty on the weights, per example (the loss is a mean). `1 / n` matches scikit-learn's default C = 1.
   * @default 1 / number of examples
   */
  readonly l2?: number;
  /** Full-batch optimisation steps. @default 300 */
  readonly iterations?: number;
  /** Adam step size. @default 0.05 */
  readonly learningRate?: number;
  /**
   * `balanced` weighs each class by n / (classes x its count), as scikit-learn's `class_weight='balanced'`, so a rare
   * P1 counts as much as the common P3; `none` weighs examples equally. @default 'balanced'
   */
  readonly classWeights?: 'balanced' | 'none';
}

/** Learns the mean and spread of each dimension; constant dimensions get scale 1 so they stay harmless. */
export function fitStandardiser(vectors: readonly (readonly number[])[]): Standardiser {
  const dims = vectors[0]?.length ?? 0;
  const mean = new Array<number>(dims).fill(0);
  const square = new Array<number>(dims).fill(0);
  for (const vector of vectors)
    for (let d = 0; d < dims; d++) {
      mean[d]! += vector[d]!;
      square[d]! += vector[d]! * vector[d]!;
    }
  const n = Math.max(1, vectors.length);
  const scale = mean.map((sum, d) => {
    const variance = square[d]! / n - (sum / n) ** 2;
    return variance > 1e-12 ? Math.sqrt(variance) : 1;
  });
  return { mean: mean.map((sum) => sum / n), scale };
}

/** Applies a standardiser to one vector. */
export function standardise(standardiser: Standardiser, vector: readonly number[]): number[] {
  return vector.map((value, d) => (value - standardiser.mean[d]!) / standardiser.scale[d]!);
}

/** Raw scores of each class for one feature row. */
export function linearLogits(head: LinearHead, x: FeatureRow): number[] {
  const dims = x.dense.length;
  return head.weights.map((row, c) => {
    let sum = head.bias[c]!;
    for (let d = 0; d < dims; d++) sum += row[d]! * x.dense[d]!;
    for (const [t, value] of x.sparse) sum += (row[dims + t] ?? 0) * value;
    return sum;
  });
}

/** Softmax of `logits / temperature`, computed stably. */
export function softmax(logits: readonly number[], temperature = 1): number[] {
  const scaled = logits.map((z) => z / temperature);
  const max = Math.max(...scaled);
  const exps = scaled.map((z) => Math.exp(z - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Fits a softmax regression on feature rows `x` (dense block of equal length, sparse block of `sparseDims`) with
 * labels `y` (class indices `0..classCount-1`). Weighted cross-entropy plus L2; Adam with the usual moment decay.
 * Deterministic: weights start at zero.
 */
export function fitSoftmaxRegression(
  x: readonly FeatureRow[],
  y: readonly number[],
  classCount: number,
  sparseDims: number,
  options: SoftmaxFitOptions = {},
): LinearHead {
  const n = x.length;
  const denseDims = x[0]?.dense.length ?? 0;
  const dims = denseDims + sparseDims;
  if (n === 0 || classCount < 1) return { weights: [], bias: [] };
  const l2 = options.l2 ?? 1 / n;
  const iterations = options.iterations ?? 300;
  const rate = options.learningRate ?? 0.05;
  const counts = new Array<number>(classCount).fill(0);
  for (const label of y) counts[label]!++;
  const classWeight = counts.map((count) =>
    options.classWeights === 'none' || count === 0 ? 1 : n / (classCount * count),
  );
  const exampleWeight = y.map((label) => classWeight[label]! / n);

  const size = classCount * (dims + 1);
  const params = new Float64Array(size);
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  const grad = new Float64Array(size);
  const flat = x.map((row) => Float64Array.from(row.dense));
  const sparse = x.map((row) => row.sparse);
  const scores = new Float64Array(classCount);
  const beta1 = 0.9;
  const beta2 = 0.999;
  for (let step = 1; step <= iterations; step++) {
    grad.fill(0);
    for (let i = 0; i < n; i++) {
      const row = flat[i]!;
      let max = -Infinity;
      for (let c = 0; c < classCount; c++) {
        const offset = c * (dims + 1);
        let sum = params[offset + dims]!;
        for (let d = 0; d < denseDims; d++) sum += params[offset + d]! * row[d]!;
        for (const [t, value] of sparse[i]!) sum += params[offset + denseDims + t]! * value;
        scores[c] = sum;
        if (sum > max) max = sum;
      }
      let total = 0;
      for (let c = 0; c < classCount; c++) {
        scores[c] = Math.exp(scores[c]! - max);
        total += scores[c]!;
      }
      const weight = exampleWeight[i]!;
      for (let c = 0; c < classCount; c++) {
        const delta = weight * (scores[c]! / total - (y[i] === c ? 1 : 0));
        if (delta === 0) continue;
        const offset = c * (dims + 1);
        for (let d = 0; d < denseDims; d++) grad[offset + d]! += delta * row[d]!;
        for (const [t, value] of sparse[i]!) grad[offset + denseDims + t]! += delta * value;
        grad[offset + dims]! += delta;
      }
    }
    const correction1 = 1 - beta1 ** step;
    const correction2 = 1 - beta2 ** step;
    for (let k = 0; k < size; k++) {
      const isBias = k % (dims + 1) === dims;
      const g = grad[k]! + (isBias ? 0 : l2 * params[k]!);
      m[k] = beta1 * m[k]! + (1 - beta1) * g;
      v[k] = beta2 * v[k]! + (1 - beta2) * g * g;
      params[k]! -= (rate * (m[k]! / correction1)) / (Math.sqrt(v[k]! / correction2) + 1e-8);
    }
  }
  const weights: number[][] = [];
  const bias: number[] = [];
  for (let c = 0; c < classCount; c++) {
    const offset = c * (dims + 1);
    weights.push(Array.from(params.subarray(offset, offset + dims)));
    bias.push(params[offset + dims]!);
  }
  return { weights, bias };
}
