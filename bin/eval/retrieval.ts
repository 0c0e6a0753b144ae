import { readFile } from 'node:fs/promises';
import { EmbeddedKnowledgeIndex } from '../../lambdas/adapters/local/embedded-knowledge-index';
import { createUseEmbedder } from '../../lambdas/adapters/local/use-embedder';
import { buildIncidentQuery } from '../../lambdas/knowledge/incident-query';
import { cleanMarkdown, loadKnowledgeBase } from '../../lambdas/knowledge/markdown';
import type { Embedder, KnowledgeHit } from '../../lambdas/ports/knowledge-index';
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

/** Scores of one retriever on one query set. */
export interface RetrieverScores {
  retriever: string;
  recallAt1: number;
  recallAt3: number;
  mrr: number;
  p50ms: number;
  p95ms: number;
  cpuP50: number;
  cpuP95: number;
}

/**
 * Builds the embedded index from the folder (as the local runtime does) and scores the hybrid index, its lexical and
 * vector halves alone, and a plain BM25 baseline on each query set. Queries whose expected article is not in the
 * folder are counted and left out. Latency is wall time and this process's CPU time per query.
 */
export async function scoreRetrieval(
  kbDir: string,
  querySets: readonly { name: string; queries: readonly LabelledQuery[] }[],
  options: { embedder?: Embedder; only?: (articleId: string) => boolean } = {},
): Promise<{
  articles: number;
  chunks: number;
  buildMs: number;
  sets: { name: string; queries: number; leftOut: number; scores: RetrieverScores[] }[];
}> {
  const started = performance.now();
  const loaded = await loadKnowledgeBase(kbDir);
  const keep = options.only ?? (() => true);
  const articles = loaded.articles.filter((a) => keep(a.articleId));
  const chunks = loaded.chunks.filter((c) => keep(c.articleId));
  const embedder = options.embedder ?? createUseEmbedder({ cacheSize: 0 });
  const index = await EmbeddedKnowledgeIndex.create(chunks, embedder);
  const buildMs = performance.now() - started;
  const bm25 = new PlainBm25(
    articles.map((a) => ({ articleId: a.articleId, title: a.title, body: cleanMarkdown(a.body) })),
  );
  const known = new Set(articles.map((a) => a.articleId));
  const retrievers: [string, Searcher][] = [
    ['hybrid (BM25 + vectors)', (q, k) => index.search(q, k)],
    ['lexical half alone', (q, k) => index.search(q, k, { mode: 'lexical' })],
    ['vector half alone', (q, k) => index.search(q, k, { mode: 'vector' })],
    ['plain BM25 baseline', (q, k) => bm25.search(q, k)],
  ];
  const sets = [];
  for (const set of querySets) {
    const queries = set.queries.filter((q) => q.expected.some((id) => known.has(id)));
    const scores: RetrieverScores[] = [];
    for (const [name, search] of retrievers) {
      const { rankings, latencies, cpu } = await run(search, queries);
      const scored = scoreRankings(
        rankings,
        queries.map((q) => q.expected),
      );
      scores.push({
        retriever: name,
        recallAt1: scored.recallAt1,
        recallAt3: scored.recallAt3,
        mrr: scored.mrr,
        p50ms: percentile(latencies, 50),
        p95ms: percentile(latencies, 95),
        cpuP50: percentile(cpu, 50),
        cpuP95: percentile(cpu, 95),
      });
    }
    sets.push({ name: set.name, queries: queries.length, leftOut: set.queries.length - queries.length, scores });
  }
  return { articles: articles.length, chunks: chunks.length, buildMs, sets };
}

/** `eval retrieval --kb <dir> --queries <jsonl>`: {@link scoreRetrieval} on each query file, printed as tables. */
export async function evaluateRetrieval(kbDir: string, queryFiles: readonly string[]): Promise<void> {
  const querySets = [];
  for (const file of queryFiles) querySets.push({ name: file, queries: await readQueries(file) });
  const result = await scoreRetrieval(kbDir, querySets);
  console.log(
    `knowledge base ${kbDir}: ${result.articles} articles, ${result.chunks} chunks, indexed in ${(result.buildMs / 1000).toFixed(1)} s`,
  );
  for (const set of result.sets) {
    if (set.leftOut) console.log(`${set.name}: ${set.leftOut} queries name no article in ${kbDir}; left out`);
    const rows: (string | number)[][] = [['retriever', 'R@1', 'R@3', 'MRR', 'p50 ms', 'p95 ms', 'CPU p50', 'CPU p95']];
    for (const s of set.scores)
      rows.push([
        s.retriever,
        pct(s.recallAt1),
        pct(s.recallAt3),
        s.mrr.toFixed(3),
        s.p50ms.toFixed(1),
        s.p95ms.toFixed(1),
        s.cpuP50.toFixed(1),
        s.cpuP95.toFixed(1),
      ]);
    console.log(`\n${set.name} (${set.queries} queries)\n${table(rows)}`);
  }
}
