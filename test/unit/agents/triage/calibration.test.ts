import {
  accuracyAtOrAbove,
  calibratedDistribution,
  expectedCalibrationError,
  familiarityWeight,
  fitTemperature,
  quantiles,
  reliabilityTable,
} from '../../../../lambdas/agents/triage/calibration';
import { fitSoftmaxRegression, linearLogits, softmax } from '../../../../lambdas/agents/triage/softmax-regression';

/** A repeatable pseudo-random stream (mulberry32), so the synthetic data is the same on every run. */
function random(seed: number) {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('temperature scaling', () => {
  it('cools down an overconfident scorer until its stated confidence matches how often it is right', () => {
    const next = random(7);
    const logits: number[][] = [];
    const labels: number[] = [];
    // The true label is class 0 with probability softmax([1, 0, 0])[0] = 0.58, but the scorer says 10x that margin.
    for (let i = 0; i < 3000; i++) {
      const truthIsZero = next() < softmax([1, 0, 0])[0]!;
      labels.push(truthIsZero ? 0 : next() < 0.5 ? 1 : 2);
      logits.push([10, 0, 0]);
    }
    const temperature = fitTemperature(logits, labels);
    expect(temperature).toBeGreaterThan(8);
    expect(temperature).toBeLessThan(12);
    const before = logits.map((row, i) => ({ confidence: softmax(row)[0]!, correct: labels[i] === 0 }));
    const after = logits.map((row, i) => ({
      confidence: calibratedDistribution(row, temperature)[0]!,
      correct: labels[i] === 0,
    }));
    expect(expectedCalibrationError(before)).toBeGreaterThan(0.3);
    expect(expectedCalibrationError(after)).toBeLessThan(0.03);
  });

  it('leaves the temperature at 1 when there is nothing to fit on', () => {
    expect(fitTemperature([], [])).toBe(1);
  });
});

describe('the reliability table', () => {
  it('counts predictions per confidence bin with their mean confidence and accuracy, 1.0 in the last bin', () => {
    const bins = reliabilityTable(
      [
        { confidence: 0.1, correct: false },
        { confidence: 0.85, correct: true },
        { confidence: 0.86, correct: false },
        { confidence: 1, correct: true },
      ],
      [0, 0.5, 0.9, 1],
    );
    expect(bins.map((b) => b.count)).toEqual([1, 2, 1]);
    expect(bins[1]!.accuracy).toBe(0.5);
    expect(bins[1]!.confidence).toBeCloseTo(0.855);
    expect(
      accuracyAtOrAbove(
        [
          { confidence: 0.8, correct: true },
          { confidence: 0.7, correct: false },
        ],
        0.8,
      ),
    ).toEqual({
      count: 1,
      accuracy: 1,
    });
  });
});

describe('familiarity', () => {
  const reference = quantiles(Array.from({ length: 101 }, (_, i) => 0.5 + i * 0.004));

  it('keeps the full opinion for text as close to the training data as most training examples are to each other', () => {
    expect(familiarityWeight(reference, 0.8)).toBe(1);
  });

  it('falls to nothing for text farther from every training example than any of them was', () => {
    expect(familiarityWeight(reference, 0.3)).toBe(0);
    const p = calibratedDistribution([5, 0, 0, 0], 1, familiarityWeight(reference, 0.3));
    expect(Math.max(...p)).toBeCloseTo(0.25);
  });

  it('discounts the least familiar tenth in proportion', () => {
    const weight = familiarityWeight(reference, 0.52);
    expect(weight).toBeGreaterThan(0);
    expect(weight).toBeLessThan(1);
  });
});

describe('softmax regression', () => {
  const next = random(11);
  const point = (centre: number[]) => ({
    dense: centre.map((c) => c + (next() - 0.5)),
    sparse: [] as [number, number][],
  });

  it('separates classes it can see apart and scores unseen points of each class highest for that class', () => {
    const centres = [
      [2, 0],
      [-2, 0],
      [0, 2],
    ];
    const x = centres.flatMap((c) => Array.from({ length: 30 }, () => point(c)));
    const y = centres.flatMap((_, c) => Array.from({ length: 30 }, () => c));
    const head = fitSoftmaxRegression(x, y, 3, 0);
    centres.forEach((centre, c) => {
      const scores = linearLogits(head, { dense: centre, sparse: [] });
      expect(scores.indexOf(Math.max(...scores))).toBe(c);
    });
  });

  it('gives a rare class a fair hearing when classes are balanced, and the majority when they are not', () => {
    const x = [...Array.from({ length: 95 }, () => point([0.3])), ...Array.from({ length: 5 }, () => point([-0.3]))];
    const y = [...Array.from({ length: 95 }, () => 0), ...Array.from({ length: 5 }, () => 1)];
    const rareWins = (head: ReturnType<typeof fitSoftmaxRegression>) => {
      const scores = linearLogits(head, { dense: [-0.3], sparse: [] });
      return scores[1]! > scores[0]!;
    };
    expect(rareWins(fitSoftmaxRegression(x, y, 2, 0, { classWeights: 'balanced' }))).toBe(true);
    expect(rareWins(fitSoftmaxRegression(x, y, 2, 0, { classWeights: 'none' }))).toBe(false);
  });

  it('learns from the sparse block as well as the dense one', () => {
    const x = Array.from({ length: 40 }, (_, i) => ({ dense: [0], sparse: [[i % 2, 1]] as [number, number][] }));
    const y = x.map((_, i) => i % 2);
    const head = fitSoftmaxRegression(x, y, 2, 2);
    const scores = linearLogits(head, { dense: [0], sparse: [[1, 1]] });
    expect(scores[1]!).toBeGreaterThan(scores[0]!);
  });
});
