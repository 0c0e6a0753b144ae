import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { create, insertMultiple, search } from '@orama/orama';
import { parse as parseYaml } from 'yaml';
import {
  type EmbeddedIndexOptions,
  EmbeddedKnowledgeIndex,
  type SearchMode,
} from '../lambdas/adapters/local/embedded-knowledge-index';
import { createUseEmbedder } from '../lambdas/adapters/local/use-embedder';
import { buildIncidentQuery } from '../lambdas/knowledge/incident-query';
import { type ArticleChunk, type ChunkingOptions, loadKnowledgeBase } from '../lambdas/knowledge/markdown';
import type { Embedder } from '../lambdas/ports/knowledge-index';
import { SAMPLE_QUERIES } from '../test/unit/knowledge/sample-queries';
import { fmt, percentile, table } from './stats';

/**
 * Knowledge retrieval benchmark: build time, index size, query latency and retrieval quality.
 *
 *   tsx bench/knowledge.ts [--dir <kb>] [--shared <runbooks dir>] [--alerts <alert-rules dir>] [--no-shared]
 *
 * - `--dir` (default `knowledge/`): built and queried with the project's own labelled queries.
 * - `--shared` (default `../shared/datasets/runbooks/content/runbooks` when present): built, then evaluated with
 *   the alerting rules in `--alerts` (default `../shared/datasets/alert-rules`): each alert's summary and
 *   description, as an incident would carry them, must find the runbook its `runbook_url` names. This is an
 *   evaluation only: nothing in the ranking is tuned to these pairs.
 * - A third index is built from both folders re-chunked small enough (220 characters) to reach about 1,000 chunks,
 *   with a fresh embedder, to measure build time and latency at that size.
 *
 * Retrieval rows: "BM25, Orama defaults" is the untuned baseline (Orama's own tokenizer, no stemming, prefix
 * matching, title and text unboosted, chunks collapsed to their best article); "BM25 (plain)" is this project's
 * BM25 (its tokenizer, stemming, identifier splitting, field boosts, coverage) without synonyms or vectors.
 *
 * Latency is end to end (`index.search`, including embedding the query) on a cold query cache; the "repeat" columns
 * run the same queries again, when the query vectors come from the embedder's cache. "CPU" columns are this
 * process's CPU time for the same work: on a shared machine wall time includes waiting for other processes, CPU time
 * does not (it is what wall time would be on an otherwise idle core). Build CPU excludes worker threads' time only
 * when workers are used (they are not, on two cores).
 */

interface LabelledQuery {
  query: string;
  expected: string;
}

const MODES: { label: string; mode: SearchMode; options?: EmbeddedIndexOptions }[] = [
  { label: 'BM25 (plain)', mode: 'lexical', options: { expansionWeight: 0 } },
  { label: 'BM25 + IT synonyms', mode: 'lexical' },
  { label: 'vector only', mode: 'vector' },
  { label: 'hybrid (default)', mode: 'hybrid' },
];

interface Quality {
  r1: number;
  r3: number;
  mrr: number;
  n: number;
}

async function quality(index: EmbeddedKnowledgeIndex, queries: LabelledQuery[], mode: SearchMode): Promise<Quality> {
  let r1 = 0;
  let r3 = 0;
  let mrr = 0;
  for (const { query, expected } of queries) {
    const hits = await index.search(query, 10, { mode });
    const rank = hits.findIndex((hit) => hit.articleId === expected) + 1;
    if (rank === 1) r1++;
    if (rank >= 1 && rank <= 3) r3++;
    if (rank >= 1) mrr += 1 / rank;
  }
  const n = queries.length || 1;
  return { r1: r1 / n, r3: r3 / n, mrr: mrr / n, n: queries.length };
}

/** Untuned BM25 baseline: Orama with its default tokenizer over title + text, best chunk per article. */
async function oramaDefaultQuality(chunks: ArticleChunk[], queries: LabelledQuery[]): Promise<Quality> {
  const db = create({ schema: { title: 'string', text: 'string', articleId: 'string' } as const });
  await insertMultiple(
    db,
    chunks.map((c) => ({
      id: c.chunkId,
      title: c.title,
      text: `${c.section ?? ''}\n${c.text}`,
      articleId: c.articleId,
    })),
  );
  let r1 = 0;
  let r3 = 0;
  let mrr = 0;
  for (const { query, expected } of queries) {
    const results = await search(db, { term: query, properties: ['title', 'text'], limit: 200, threshold: 1 });
    const ranked = [...new Set(results.hits.map((hit) => hit.document.articleId))];
    const rank = ranked.indexOf(expected) + 1;
    if (rank === 1) r1++;
    if (rank >= 1 && rank <= 3) r3++;
    if (rank >= 1) mrr += 1 / rank;
  }
  const n = queries.length || 1;
  return { r1: r1 / n, r3: r3 / n, mrr: mrr / n, n: queries.length };
}

/** CPU time of this process in milliseconds: unlike wall time, not inflated by other processes on a shared machine. */
function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

interface Latency {
  /** Wall time per query, first pass (query vectors not cached). */
  cold: number[];
  /** CPU time per query, first pass. */
  coldCpu: number[];
  /** Wall time per query, second pass (query vectors cached). */
  warm: number[];
}

async function latency(index: EmbeddedKnowledgeIndex, queries: string[]): Promise<Latency> {
  const result: Latency = { cold: [], coldCpu: [], warm: [] };
  for (const query of queries) {
    const cpu = cpuMs();
    const started = performance.now();
    await index.search(query, 5);
    result.cold.push(performance.now() - started);
    result.coldCpu.push(cpuMs() - cpu);
  }
  for (const query of queries) {
    const started = performance.now();
    await index.search(query, 5);
    result.warm.push(performance.now() - started);
  }
  return result;
}

async function evaluate(
  title: string,
  dir: string,
  queries: LabelledQuery[],
  embedder: Embedder,
  chunking?: ChunkingOptions,
): Promise<void> {
  const loadStarted = performance.now();
  const buildCpu = cpuMs();
  const { articles, chunks } = await loadKnowledgeBase(dir, chunking);
  const loadMs = performance.now() - loadStarted;
  const built = await EmbeddedKnowledgeIndex.create(chunks, embedder);
  const buildCpuMs = cpuMs() - buildCpu;
  console.log(`\n## ${title}: ${dir}`);
  console.log(
    table([
      ['articles', 'chunks', 'load+chunk', 'embed', 'orama insert', 'build total', 'build CPU'],
      [
        articles.length,
        chunks.length,
        fmt(loadMs),
        fmt(built.stats.embedMs),
        fmt(built.stats.indexMs),
        fmt(loadMs + built.stats.buildMs),
        fmt(buildCpuMs),
      ],
    ]),
  );
  if (queries.length === 0) return;

  const timing = await latency(
    built,
    queries.map((q) => q.query),
  );
  console.log(
    table([
      ['queries', 'p50', 'p95', 'max', 'CPU p50', 'CPU p95', 'repeat p50', 'repeat p95'],
      [
        queries.length,
        fmt(percentile(timing.cold, 50)),
        fmt(percentile(timing.cold, 95)),
        fmt(Math.max(...timing.cold)),
        fmt(percentile(timing.coldCpu, 50)),
        fmt(percentile(timing.coldCpu, 95)),
        fmt(percentile(timing.warm, 50)),
        fmt(percentile(timing.warm, 95)),
      ],
    ]),
  );

  const rows: (string | number)[][] = [['retrieval', 'R@1', 'R@3', 'MRR']];
  const baseline = await oramaDefaultQuality(chunks, queries);
  rows.push(['BM25, Orama defaults', baseline.r1.toFixed(3), baseline.r3.toFixed(3), baseline.mrr.toFixed(3)]);
  for (const { label, mode, options } of MODES) {
    // Chunks are already embedded (the embedder caches them), so a variant index costs only the Orama insert.
    const index = options ? await EmbeddedKnowledgeIndex.create(chunks, embedder, options) : built;
    const q = await quality(index, queries, mode);
    rows.push([label, q.r1.toFixed(3), q.r3.toFixed(3), q.mrr.toFixed(3)]);
  }
  console.log(table(rows));
}

/**
 * Alerts of the kube-prometheus rules whose `runbook_url` names a runbook present in `runbooksDir`, as the query an
 * incident built from them would send: summary as the title, description as the body, alert name left out (it
 * is the runbook's file name, which would make the test trivial).
 */
export async function alertQueries(alertsDir: string, runbooksDir: string): Promise<LabelledQuery[]> {
  const { articles } = await loadKnowledgeBase(runbooksDir);
  const byUrlPath = new Map(articles.map((a) => [a.articleId.replace(/\.md$/, '').toLowerCase(), a.articleId]));
  const queries: LabelledQuery[] = [];
  for (const file of (await readdir(alertsDir)).filter((f) => f.endsWith('.yaml')).sort()) {
    const doc = parseYaml(await readFile(join(alertsDir, file), 'utf8')) as {
      spec?: { groups?: { rules?: { alert?: string; annotations?: Record<string, string> }[] }[] };
    };
    for (const group of doc.spec?.groups ?? []) {
      for (const rule of group.rules ?? []) {
        const annotations = rule.annotations ?? {};
        const path = /\/runbooks\/(.+?)\/?$/.exec(annotations['runbook_url'] ?? '')?.[1]?.toLowerCase();
        const expected = path ? byUrlPath.get(path) : undefined;
        if (!rule.alert || !expected) continue;
        const query = buildIncidentQuery({
          kind: 'alert',
          title: annotations['summary'] ?? '',
          description: annotations['description'] ?? annotations['message'] ?? '',
        });
        if (query) queries.push({ query, expected });
      }
    }
  }
  return queries;
}

/** Runs the knowledge benchmark; see the file comment for the arguments. */
export async function knowledgeBench(argv: string[] = []): Promise<void> {
  const arg = (name: string) => {
    const i = argv.indexOf(`--${name}`);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const root = resolve(__dirname, '..');
  const ownDir = resolve(arg('dir') ?? join(root, 'knowledge'));
  const sharedDir = resolve(arg('shared') ?? join(root, '../shared/datasets/runbooks/content/runbooks'));
  const alertsDir = resolve(arg('alerts') ?? join(root, '../shared/datasets/alert-rules'));
  const withShared = !argv.includes('--no-shared') && existsSync(sharedDir);

  const embedder = createUseEmbedder({ cacheSize: 50_000 });
  const modelStarted = performance.now();
  await embedder.warmUp();
  console.log(`# knowledge retrieval (node ${process.version}); model load ${fmt(performance.now() - modelStarted)}`);

  const ownQueries = ownDir === join(root, 'knowledge') ? SAMPLE_QUERIES : [];
  await evaluate('own knowledge base, own labelled queries', ownDir, ownQueries, embedder);

  if (withShared) {
    const queries = existsSync(alertsDir) ? await alertQueries(alertsDir, sharedDir) : [];
    await evaluate('shared runbooks, alert rules as queries (evaluation only)', sharedDir, queries, embedder);

    // A fresh embedder: the size test must pay for every embedding.
    const sizeEmbedder = createUseEmbedder({ cacheSize: 50_000 });
    const started = performance.now();
    const sizeCpu = cpuMs();
    const own = await loadKnowledgeBase(ownDir, { maxChars: 220, overlapChars: 50 });
    const shared = await loadKnowledgeBase(sharedDir, { maxChars: 220, overlapChars: 50 });
    const chunks = [
      ...own.chunks,
      ...shared.chunks.map((c) => ({ ...c, chunkId: `shared/${c.chunkId}`, articleId: `shared/${c.articleId}` })),
    ];
    const index = await EmbeddedKnowledgeIndex.create(chunks, sizeEmbedder);
    const buildMs = performance.now() - started;
    const buildCpuMs = cpuMs() - sizeCpu;
    const timing = await latency(index, [...SAMPLE_QUERIES.map((q) => q.query), ...queries.map((q) => q.query)]);
    console.log(`\n## size test: both folders re-chunked at 220 characters`);
    console.log(
      table([
        ['chunks', 'build total', 'build CPU', 'queries', 'p50', 'p95', 'CPU p50', 'CPU p95', 'repeat p95'],
        [
          chunks.length,
          fmt(buildMs),
          fmt(buildCpuMs),
          timing.cold.length,
          fmt(percentile(timing.cold, 50)),
          fmt(percentile(timing.cold, 95)),
          fmt(percentile(timing.coldCpu, 50)),
          fmt(percentile(timing.coldCpu, 95)),
          fmt(percentile(timing.warm, 95)),
        ],
      ]),
    );
  }
}

if (require.main === module) {
  knowledgeBench(process.argv.slice(2)).catch((error: unknown) => {
    console.error(error);
    process.exit(1);
  });
}
