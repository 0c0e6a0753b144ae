import { readFile } from 'node:fs/promises';
import { EmbeddedKnowledgeIndex } from '../../lambdas/adapters/local/embedded-knowledge-index';
import { createUseEmbedder } from '../../lambdas/adapters/local/use-embedder';
import { buildIncidentQuery } from '../../lambdas/knowledge/incident-query';
import { cleanMarkdown, loadKnowledgeBase } from '../../lambdas/knowledge/markdown';
import type { KnowledgeHit } from '../../lambdas/ports/knowledge-index';
import { pct, percentile, scoreRankings, table } from './metrics';
import { PlainBm25 } from './plain-bm25';

/** One labelled query: raw text, or a ticket/alert that is turned into a query as the knowledge agent would. */
export interface LabelledQuery {
  query: string;
  expected: string[];
}

/** Invalid query file line. */
export class InvalidQueryFileError extends Error {
  override readonly name = 'InvalidQueryFileError';
}

/**
 * Reads JSONL queries: `{"query": "...", "expected": "<articleId>" | [...]}`, or `{"kind": "alert"|"ticket",
 * "title": "...", "description": "...", "expected": ...}`, which becomes the query the knowledge agent would send for
 * such an incident. `relevant` and `articleId` are accepted for `expected`.
 */
export async function readQueries(file: string): Promise<LabelledQuery[]> {
  const lines = (await readFile(file, 'utf8')).split(/\r?\n/).filter((line) => line.trim());
  return lines.map((line, i) => {
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch (error) {
      throw new InvalidQueryFileError(`${file}:${i + 1}: ${(error as Error).message}`);
    }
    const expectedRaw = record.expected ?? record.relevant ?? record.articleId;
    const expected = (Array.isArray(expectedRaw) ? expectedRaw : [expectedRaw]).filter(
      (e): e is string => typeof e === 'string',
    );
    const query =
      typeof record.query === 'string'
        ? record.query
        : buildIncidentQuery({
            kind: record.kind === 'alert' ? 'alert' : 'ticket',
            title: String(record.title ?? ''),
            description: String(record.description ?? ''),
          });
    if (!query || expected.length === 0)
      throw new InvalidQueryFileError(`${file}:${i + 1}: needs a query (or title) and expected article ids`);
    return { query, expected };
  });
}

type Searcher = (query: string, k: number) => Promise<KnowledgeHit[]> | KnowledgeHit[];

/** Runs every query through one retriever: rankings plus per-query wall time. */
async function run(search: Searcher, queries: readonly LabelledQuery[]) {
  const rankings: string[][] = [];
  const latencies: number[] = [];
  const cpu: number[] = [];
  for (const { query } of queries) {
    const started = performance.now();
    const cpuStarted = process.cpuUsage();
    const hits = await search(query, 10);
    const used = process.cpuUsage(cpuStarted);
    latencies.push(performance.now() - started);
    cpu.push((used.user + used.system) / 1000);
    rankings.push(hits.map((hit) => hit.articleId));
  }
  return { rankings, latencies, cpu };
}

/**
 * `eval retrieval --kb <dir> --queries <jsonl>`: builds the embedded index from the folder (as the local runtime
 * does) and prints R@1, R@3, MRR and per-query latency for the hybrid index, its lexical and vector halves alone, and
 * a plain BM25 baseline. Queries whose expected article is not in the folder are reported and left out. Latency is
 * wall time and this process's CPU time per query (on a shared machine, wall time includes waiting for a core).
 */
export async function evaluateRetrieval(kbDir: string, queryFiles: readonly string[]): Promise<void> {
  const started = performance.now();
  const { articles, chunks } = await loadKnowledgeBase(kbDir);
  const embedder = createUseEmbedder({ cacheSize: 0 });
  const index = await EmbeddedKnowledgeIndex.create(chunks, embedder);
  const buildMs = performance.now() - started;
  const bm25 = new PlainBm25(
    articles.map((a) => ({ articleId: a.articleId, title: a.title, body: cleanMarkdown(a.body) })),
  );
  console.log(
    `knowledge base ${kbDir}: ${articles.length} articles, ${chunks.length} chunks, indexed in ${(buildMs / 1000).toFixed(1)} s`,
  );
  const known = new Set(articles.map((a) => a.articleId));

  const retrievers: [string, Searcher][] = [
    ['hybrid (BM25 + vectors)', (q, k) => index.search(q, k)],
    ['lexical half alone', (q, k) => index.search(q, k, { mode: 'lexical' })],
    ['vector half alone', (q, k) => index.search(q, k, { mode: 'vector' })],
    ['plain BM25 baseline', (q, k) => bm25.search(q, k)],
  ];
  for (const file of queryFiles) {
    const all = await readQueries(file);
    const queries = all.filter((q) => q.expected.some((id) => known.has(id)));
    if (queries.length < all.length)
      console.log(`${file}: ${all.length - queries.length} queries name no article in ${kbDir}; left out`);
    const rows: (string | number)[][] = [['retriever', 'R@1', 'R@3', 'MRR', 'p50 ms', 'p95 ms', 'CPU p50', 'CPU p95']];
    for (const [name, search] of retrievers) {
      const { rankings, latencies, cpu } = await run(search, queries);
      const scores = scoreRankings(
        rankings,
        queries.map((q) => q.expected),
      );
      rows.push([
        name,
        pct(scores.recallAt1),
        pct(scores.recallAt3),
        scores.mrr.toFixed(3),
        percentile(latencies, 50).toFixed(1),
        percentile(latencies, 95).toFixed(1),
        percentile(cpu, 50).toFixed(1),
        percentile(cpu, 95).toFixed(1),
      ]);
    }
    console.log(`\n${file} (${queries.length} queries)\n${table(rows)}`);
  }
}
