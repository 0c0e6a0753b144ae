import { OpenSearchKnowledgeIndex } from '../../../lambdas/adapters/aws/opensearch-knowledge-index';
import { EmbeddedKnowledgeIndex } from '../../../lambdas/adapters/local/embedded-knowledge-index';
import { createUseEmbedder } from '../../../lambdas/adapters/local/use-embedder';
import type { KnowledgeIndex } from '../../../lambdas/ports/knowledge-index';
import type { IndexedChunk } from '../../../lambdas/ports/knowledge-sync';
import { FakeOpenSearch } from './support/fake-opensearch';
import { HashingEmbedder } from './support/hashing-embedder';

const chunk = (articleId: string, ordinal: number, title: string, section: string, text: string): IndexedChunk => ({
  chunkId: `${articleId}#${ordinal}`,
  articleId,
  title,
  section,
  text,
  updatedAt: '2026-10-01T12:00:00.000Z',
  source: 'test',
  version: 'v1',
});

/** A small knowledge base: four runbooks, two sections each. */
const CORPUS: IndexedChunk[] = [
  chunk(
    'linux/disk-full.md',
    0,
    'Disk full on a Linux host',
    'Symptoms',
    'The filesystem is at 100% and writes fail with no space left on device. Disk usage alerts fire.',
  ),
  chunk(
    'linux/disk-full.md',
    1,
    'Disk full on a Linux host',
    'Resolution',
    'Find large files with du, clear old logs, rotate logs, extend the volume if space keeps filling.',
  ),
  chunk(
    'network/vpn.md',
    0,
    'VPN connection drops',
    'Symptoms',
    'Remote users cannot connect to the VPN or the VPN tunnel disconnects every few minutes.',
  ),
  chunk(
    'network/vpn.md',
    1,
    'VPN connection drops',
    'Resolution',
    'Check the VPN gateway, certificate validity and MTU; ask the user to reinstall the VPN client.',
  ),
  chunk(
    'identity/password-reset.md',
    0,
    'Password reset and account lockout',
    'Symptoms',
    'A user forgot the password or the account is locked after failed login attempts.',
  ),
  chunk(
    'identity/password-reset.md',
    1,
    'Password reset and account lockout',
    'Resolution',
    'Verify identity, unlock the account in the directory and send a password reset link.',
  ),
  chunk(
    'database/connection-pool.md',
    0,
    'Database connection pool exhausted',
    'Symptoms',
    'Applications time out waiting for a database connection; the pool is exhausted and max connections reached.',
  ),
  chunk(
    'database/connection-pool.md',
    1,
    'Database connection pool exhausted',
    'Resolution',
    'Find the connection leak, restart the leaking service, raise the pool size only with the DBA.',
  ),
];

async function openSearchIndex(): Promise<KnowledgeIndex> {
  const index = new OpenSearchKnowledgeIndex({
    client: new FakeOpenSearch(),
    index: 'kb',
    embedder: new HashingEmbedder(),
  });
  await index.ensureIndex();
  await index.upsertArticles(CORPUS);
  return index;
}

async function embeddedIndex(): Promise<KnowledgeIndex> {
  return EmbeddedKnowledgeIndex.create(CORPUS, createUseEmbedder());
}

describe.each<[string, () => Promise<KnowledgeIndex>]>([
  ['OpenSearch Serverless (hybrid query through a normalization pipeline)', openSearchIndex],
  ['embedded (Orama + sentence encoder)', embeddedIndex],
])('the %s knowledge index', (_name, make) => {
  let index: KnowledgeIndex;
  beforeAll(async () => {
    index = await make();
  });

  it.each([
    ['the server ran out of disk space', 'linux/disk-full.md'],
    ['cannot connect to the VPN from home', 'network/vpn.md'],
    ['user locked out after too many failed logins', 'identity/password-reset.md'],
    ['app times out waiting for a database connection', 'database/connection-pool.md'],
  ])('ranks the right runbook first for "%s"', async (query, expected) => {
    const hits = await index.search(query, 3);
    expect(hits[0]?.articleId).toBe(expected);
  });

  it('returns at most k hits, one per article, best first, scores within 0..1', async () => {
    const hits = await index.search('disk space and database connections', 2);
    expect(hits.length).toBeLessThanOrEqual(2);
    expect(new Set(hits.map((h) => h.articleId)).size).toBe(hits.length);
    for (const hit of hits) {
      expect(hit.score).toBeGreaterThanOrEqual(0);
      expect(hit.score).toBeLessThanOrEqual(1);
    }
    expect(hits.map((h) => h.score)).toEqual([...hits.map((h) => h.score)].sort((a, b) => b - a));
  });

  it('cites each hit with its title, update time and a snippet from the article', async () => {
    const [hit] = await index.search('VPN tunnel disconnects', 1);
    expect(hit).toMatchObject({
      articleId: 'network/vpn.md',
      title: 'VPN connection drops',
      updatedAt: '2026-10-01T12:00:00.000Z',
    });
    expect(hit!.snippet.length).toBeGreaterThan(10);
    expect(
      CORPUS.filter((c) => c.articleId === 'network/vpn.md').some((c) => c.text.includes(hit!.snippet.slice(0, 20))),
    ).toBe(true);
  });

  it('answers an empty query with nothing rather than everything', async () => {
    await expect(index.search('   ', 5)).resolves.toEqual([]);
  });
});

describe('the OpenSearch knowledge index as a writer', () => {
  it('creates the k-NN index and the hybrid pipeline once, and re-puts only the pipeline afterwards', async () => {
    const client = new FakeOpenSearch();
    const index = new OpenSearchKnowledgeIndex({
      client,
      index: 'kb',
      embedder: new HashingEmbedder(32),
      weights: { lexical: 0.3, vector: 0.7 },
    });
    await index.ensureIndex();
    await index.ensureIndex();
    expect(client.requests.filter((r) => r.api === 'indices.create')).toHaveLength(1);
    const definition = client.indexes.get('kb')!.definition as {
      settings: unknown;
      mappings: { properties: Record<string, unknown> };
    };
    expect(definition.settings).toEqual({ index: { knn: true } });
    expect(definition.mappings.properties.embedding).toMatchObject({
      type: 'knn_vector',
      dimension: 32,
      method: { name: 'hnsw', engine: 'faiss' },
    });
    expect(definition.mappings.properties.articleId).toEqual({ type: 'keyword' });
    expect(client.pipelines.get('kb-hybrid')).toMatchObject({
      phase_results_processors: [
        {
          'normalization-processor': {
            normalization: { technique: 'min_max' },
            combination: { technique: 'arithmetic_mean', parameters: { weights: [0.3, 0.7] } },
          },
        },
      ],
    });
  });

  it('replaces an article on upsert, lists versions per source and deletes', async () => {
    const client = new FakeOpenSearch();
    const index = new OpenSearchKnowledgeIndex({ client, index: 'kb', embedder: new HashingEmbedder() });
    await index.ensureIndex();
    await index.upsertArticles(CORPUS);
    expect(client.indexes.get('kb')!.docs.size).toBe(8);
    await index.upsertArticles([{ ...CORPUS[0]!, version: 'v2', text: 'Rewritten: free space with du and ncdu.' }]);
    expect(client.indexes.get('kb')!.docs.size).toBe(7);
    const versions = await index.listArticles('test');
    expect(versions.get('linux/disk-full.md')).toBe('v2');
    expect(versions.get('network/vpn.md')).toBe('v1');
    await index.deleteArticles(['network/vpn.md']);
    expect([...(await index.listArticles('test')).keys()].sort()).toEqual([
      'database/connection-pool.md',
      'identity/password-reset.md',
      'linux/disk-full.md',
    ]);
    expect((await index.search('VPN', 5)).map((h) => h.articleId)).not.toContain('network/vpn.md');
  });
});

describe('the OpenSearch knowledge index before the first sync', () => {
  it('falls back to BM25 alone while the hybrid pipeline does not exist, with scores still within 0..1', async () => {
    const client = new FakeOpenSearch();
    const index = new OpenSearchKnowledgeIndex({ client, index: 'kb', embedder: new HashingEmbedder() });
    await index.ensureIndex();
    await index.upsertArticles(CORPUS);
    client.pipelines.clear();
    const hits = await index.search('VPN tunnel disconnects', 3);
    expect(hits[0]).toMatchObject({ articleId: 'network/vpn.md', score: 1 });
    expect(hits.every((hit) => hit.score <= 1)).toBe(true);
  });

  it('reads an article back as its chunks, in order, to ground a resolution', async () => {
    const client = new FakeOpenSearch();
    const index = new OpenSearchKnowledgeIndex({ client, index: 'kb', embedder: new HashingEmbedder() });
    await index.ensureIndex();
    await index.upsertArticles(CORPUS);
    const chunks = await index.chunksOf('linux/disk-full.md');
    expect(chunks.map((c) => [c.chunkId, c.section])).toEqual([
      ['linux/disk-full.md#0', 'Symptoms'],
      ['linux/disk-full.md#1', 'Resolution'],
    ]);
  });
});
