import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DEFAULT_DATASETS, runAllBenchmarks, summaryTable, verdict } from '../../../bin/eval/summary';

/**
 * The fast version of `npm run eval`: every public benchmark on a small sample, through the same pipeline. The data
 * sets are not part of the project (../shared/datasets beside the checkout); without them this suite says so and
 * skips, rather than passing on nothing.
 */
const datasets = process.env.LUMOS_DATASETS ?? DEFAULT_DATASETS;
const present = ['tickets', 'runbooks', 'alert-rules', 'loghub'].every((dir) => existsSync(join(datasets, dir)));
if (!present)
  console.warn(
    `eval-fast: public datasets not found at ${datasets} (set LUMOS_DATASETS); the benchmark table is not checked`,
  );
const describeWithData = present ? describe : describe.skip;

describeWithData('the evaluation table on a small sample', () => {
  let result: Awaited<ReturnType<typeof runAllBenchmarks>>;
  beforeAll(async () => {
    result = await runAllBenchmarks({ datasets, fast: true });
  }, 240_000);

  it('has a row for every benchmark: retrieval, LogHub grouping accuracy, sentiment, priority and calibration', () => {
    const names = result.rows.map((row) => row.benchmark.toLowerCase()).join('\n');
    for (const expected of ['retrieval', 'loghub', 'sentiment', 'priority', 'calibration'])
      expect(names).toContain(expected);
  });

  it('produces every figure as a finite number, scores and rates between 0 and 1, with no section failing', () => {
    expect(result.rows.filter((row) => row.metric === 'failed')).toEqual([]);
    for (const row of result.rows) {
      if (row.value === null) continue;
      expect(Number.isFinite(row.value)).toBe(true);
      expect(row.value).toBeGreaterThanOrEqual(0);
      if (/F1|GA|R@|MRR|accuracy|ECE|recall|raised/.test(row.metric)) expect(row.value).toBeLessThanOrEqual(1);
    }
  });

  it('scores better than chance where chance is known: 3-way priority macro-F1 and retrieval R@1', () => {
    const priority = result.rows.find((row) => row.metric === '3-way macro-F1')!;
    expect(priority.value).toBeGreaterThan(0.2);
    const recall = result.rows.find((row) => row.benchmark.startsWith('retrieval') && row.metric === 'R@1')!;
    expect(recall.value).toBeGreaterThan(0.2);
  });

  it('reports a reliability table that accounts for every triaged bug', () => {
    const { priority } = result;
    expect(priority).toBeDefined();
    expect(priority!.reliability.reduce((sum, bin) => sum + bin.count, 0)).toBe(priority!.test);
    expect(priority!.ece).toBeGreaterThanOrEqual(0);
  });

  it('prints one table with a verdict per row', () => {
    const text = summaryTable(result.rows);
    expect(text.split('\n')[0]).toMatch(/^benchmark\s+metric\s+value\s+baseline\s+target\s+met/);
    expect(text.split('\n')).toHaveLength(result.rows.length + 1);
    expect(result.rows.every((row) => ['yes', 'no', '-'].includes(verdict(row)))).toBe(true);
  });
});
