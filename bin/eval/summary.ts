import { join, resolve } from 'node:path';
import { alertQueries } from '../../bench/knowledge';
import { createUseEmbedder, USE_MODEL_ID } from '../../lambdas/adapters/local/use-embedder';
import { EVAL_CACHE_DIR, FileCachedEmbedder } from './embedding-cache';
import { runLogsEval } from './logs';
import { table } from './metrics';
import { type PriorityEvalDetails, runPriorityEval } from './priority';
import { readQueries, scoreRetrieval } from './retrieval';
import { runSentimentEval } from './sentiment';

/** One figure of the summary table: a benchmark's metric beside its baseline and target. */
export interface BenchmarkRow {
  benchmark: string;
  metric: string;
  /** null when the benchmark could not produce the figure (see note). */
  value: number | null;
  baseline: number | null;
  target: number | null;
  /** ECE and error rates: the target is a ceiling. */
  lowerIsBetter?: boolean;
  note?: string;
}

/** What an evaluation section returns (the log and sentiment sections share this shape). */
export interface EvalSection {
  rows: BenchmarkRow[];
  details: unknown;
}

/** Options of {@link runAllBenchmarks}. */
export interface SummaryOptions {
  /** The shared datasets folder. */
  readonly datasets: string;
  /** A small sample of every benchmark (CI): same pipeline, noisier figures. */
  readonly fast?: boolean;
  readonly log?: (line: string) => void;
}

/** The default datasets folder: `../shared/datasets` beside the project checkout. */
export const DEFAULT_DATASETS = resolve(__dirname, '..', '..', '..', 'shared', 'datasets');

/** Rows per half of the Jira set, runbooks and log lines in a fast run. */
const FAST = { jira: 60, runbooks: 12 };

/**
 * Retrieval on the prometheus-operator runbooks: alerts as they would arrive (from the kube-prometheus rules) and the
 * project's ticket-style queries, hybrid index against plain BM25 as the baseline.
 */
export async function runRetrievalSection(options: SummaryOptions): Promise<EvalSection> {
  const kb = join(options.datasets, 'runbooks', 'content', 'runbooks');
  const alerts = await alertQueries(join(options.datasets, 'alert-rules'), kb);
  const tickets = await readQueries(
    resolve(__dirname, '..', '..', 'bench', 'queries', 'prometheus-runbooks.tickets.jsonl'),
  );
  let only: ((articleId: string) => boolean) | undefined;
  if (options.fast) {
    const wanted = [...new Set(alerts.map((q) => q.expected))].sort().slice(0, FAST.runbooks);
    only = (articleId) => wanted.includes(articleId);
  }
  options.log?.('retrieval: indexing the runbooks');
  const embedder = new FileCachedEmbedder(
    createUseEmbedder({ cacheSize: 0 }),
    join(EVAL_CACHE_DIR, `${USE_MODEL_ID}.jsonl`),
  );
  const result = await scoreRetrieval(
    kb,
    [
      { name: 'alerts', queries: alerts.map((q) => ({ query: q.query, expected: [q.expected] })) },
      { name: 'tickets', queries: tickets },
    ],
    { embedder, only },
  );
  const rows: BenchmarkRow[] = [];
  for (const set of result.sets) {
    const hybrid = set.scores.find((s) => s.retriever.startsWith('hybrid'))!;
    const bm25 = set.scores.find((s) => s.retriever.startsWith('plain BM25'))!;
    const benchmark = `retrieval: runbooks <- ${set.name} (${set.queries})`;
    rows.push(
      {
        benchmark,
        metric: 'R@1',
        value: hybrid.recallAt1,
        baseline: bm25.recallAt1,
        target: null,
        note: 'baseline: plain BM25',
      },
      { benchmark, metric: 'MRR', value: hybrid.mrr, baseline: bm25.mrr, target: null },
    );
  }
  return { rows, details: result };
}

/** Runs every public benchmark; a section that fails becomes a row saying so, never a missing row. */
export async function runAllBenchmarks(
  options: SummaryOptions,
): Promise<{ rows: BenchmarkRow[]; priority?: PriorityEvalDetails }> {
  const rows: BenchmarkRow[] = [];
  let priority: PriorityEvalDetails | undefined;
  const guarded = async (label: string, section: () => Promise<EvalSection>) => {
    try {
      const result = await section();
      rows.push(...result.rows);
      return result;
    } catch (error) {
      rows.push({
        benchmark: label,
        metric: 'failed',
        value: null,
        baseline: null,
        target: null,
        note: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return undefined;
    }
  };
  await guarded('retrieval', () => runRetrievalSection(options));
  await guarded('LogHub GA (Content and raw lines)', () => runLogsEval({ dataDir: options.datasets, print: false }));
  await guarded('sentiment (airline messages)', () => runSentimentEval({ dataDir: options.datasets, print: false }));
  const result = await guarded('priority', () =>
    runPriorityEval({
      datasets: options.datasets,
      ...(options.fast ? { sample: FAST.jira, iterations: 150 } : {}),
      log: options.log,
    }),
  );
  if (result) priority = result.details as PriorityEvalDetails;
  return { rows, ...(priority ? { priority } : {}) };
}

/** Whether a row meets its target: yes, no, or '-' (no target, or no figure). */
export function verdict(row: BenchmarkRow): 'yes' | 'no' | '-' {
  if (row.value === null || row.target === null) return '-';
  return (row.lowerIsBetter ? row.value <= row.target : row.value >= row.target) ? 'yes' : 'no';
}

const figure = (value: number | null) => (value === null ? '-' : value.toFixed(3));

/** The one table `npm run eval` prints. */
export function summaryTable(rows: readonly BenchmarkRow[]): string {
  return table([
    ['benchmark', 'metric', 'value', 'baseline', 'target', 'met', 'note'],
    ...rows.map((row) => [
      row.benchmark,
      row.metric,
      figure(row.value),
      figure(row.baseline),
      row.target === null ? '-' : `${row.lowerIsBetter ? '<=' : '>='} ${row.target.toFixed(3)}`,
      verdict(row),
      row.note ?? '',
    ]),
  ]);
}
