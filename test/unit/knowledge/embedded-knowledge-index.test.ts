import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  buildEmbeddedKnowledgeIndex,
  type EmbeddedIndexStats,
  type EmbeddedKnowledgeIndex,
} from '../../../lambdas/adapters/local/embedded-knowledge-index';
import { createUseEmbedder } from '../../../lambdas/adapters/local/use-embedder';
import { retrieveKnowledge } from '../../../lambdas/agents/knowledge/core';
import type { Incident } from '../../../lambdas/core/incident';
import { SAMPLE_QUERIES } from './sample-queries';

const KB_DIR = resolve(__dirname, '../../../knowledge');

// One index for the whole file: loading the sentence encoder and embedding the knowledge base takes seconds.
let index: EmbeddedKnowledgeIndex;
let stats: EmbeddedIndexStats;

beforeAll(async () => {
  ({ index, stats } = await buildEmbeddedKnowledgeIndex({ dir: KB_DIR, embedder: createUseEmbedder() }));
}, 180_000);

describe('buildEmbeddedKnowledgeIndex over the sample knowledge base', () => {
  it('reports the articles and chunks it indexed and how long it took', () => {
    expect(stats.articles).toBeGreaterThanOrEqual(15);
    expect(stats.chunks).toBeGreaterThan(stats.articles * 3);
    expect(stats.buildMs).toBeGreaterThan(0);
    expect(stats.buildMs).toBeGreaterThanOrEqual(stats.embedMs);
  });
});

describe('EmbeddedKnowledgeIndex.search', () => {
  it.each([
    ["my laptop can't connect to the vpn since this morning", 'network/vpn-access.md'],
    ['I forgot my password and now my account is locked', 'identity/password-reset-account-lockout.md'],
    ['chrome warns the certificate of the customer portal has expired', 'security/certificate-expiry.md'],
    ['printer on the second floor shows offline and my documents are stuck', 'end-user/printer-not-printing.md'],
    ['nobody can sign in to the expense app, SAML response signature is invalid', 'identity/sso-login-failures.md'],
  ])('finds the right article for the ticket "%s"', async (query, expected) => {
    const [best] = await index.search(query, 5);
    expect(best?.articleId).toBe(expected);
  });

  it.each([
    ['FilesystemUsageCritical: /var on web-03 is 97% full, no space left on device', 'linux/disk-full.md'],
    [
      'KubePodCrashLooping: pod payments/api-5d8 is restarting 4 times / 10 minutes',
      'kubernetes/pod-crashloopbackoff.md',
    ],
    ['RDSConnectionsHigh: DatabaseConnections at 100% of max_connections', 'database/connection-pool-exhaustion.md'],
    ['LambdaThrottles: function order-processor Throttles > 0 for 5 minutes', 'aws/lambda-throttling-timeouts.md'],
    ['SQSOldestMessageAge: ApproximateAgeOfOldestMessage 1800 seconds', 'messaging/queue-backlog.md'],
  ])('finds the right runbook for the alert "%s"', async (query, expected) => {
    const [best] = await index.search(query, 5);
    expect(best?.articleId).toBe(expected);
  });

  it('ranks the expected article first for nearly all of the labelled sample queries', async () => {
    let first = 0;
    let inTopThree = 0;
    for (const { query, expected } of SAMPLE_QUERIES) {
      const hits = await index.search(query, 3);
      if (hits[0]?.articleId === expected) first++;
      if (hits.some((hit) => hit.articleId === expected)) inTopThree++;
    }
    expect(first / SAMPLE_QUERIES.length).toBeGreaterThanOrEqual(0.85);
    expect(inTopThree / SAMPLE_QUERIES.length).toBeGreaterThanOrEqual(0.95);
  });

  it('returns one hit per article, best first, with scores between 0 and 1', async () => {
    const hits = await index.search('database connections exhausted and queries slow', 10);
    expect(hits.length).toBeGreaterThan(3);
    expect(new Set(hits.map((hit) => hit.articleId)).size).toBe(hits.length);
    for (const hit of hits) {
      expect(hit.score).toBeGreaterThanOrEqual(0);
      expect(hit.score).toBeLessThanOrEqual(1);
    }
    const scores = hits.map((hit) => hit.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
  });

  it('identifies articles by their path relative to the knowledge folder and carries title, snippet and date', async () => {
    const hits = await index.search('disk full no space left on device', 5);
    for (const hit of hits) {
      expect(hit.articleId).toMatch(/^[a-z0-9-]+(\/[a-z0-9-]+)*\.md$/);
      expect(existsSync(join(KB_DIR, hit.articleId))).toBe(true);
      expect(hit.title.length).toBeGreaterThan(0);
      expect(hit.snippet.length).toBeGreaterThan(0);
      expect(hit.snippet.length).toBeLessThanOrEqual(240);
      expect(hit.updatedAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    }
    expect(hits[0]).toMatchObject({ articleId: 'linux/disk-full.md', title: 'Disk full on a Linux host' });
    expect(hits[0].snippet.toLowerCase()).toMatch(/space|disk|full/);
  });

  it('returns five hits by default and at most k', async () => {
    expect(await index.search('server is slow')).toHaveLength(5);
    expect(await index.search('server is slow', 2)).toHaveLength(2);
    expect(await index.search('server is slow', 0)).toEqual([]);
  });

  it('returns nothing for an empty or blank query, or one made only of stop words and punctuation', async () => {
    expect(await index.search('', 5)).toEqual([]);
    expect(await index.search('   \n\t ', 5)).toEqual([]);
    expect(await index.search('the and of', 5)).toEqual([]);
    expect(await index.search('?!', 5)).toEqual([]);
  });

  it('scores a query the knowledge base has nothing for far below a real match', async () => {
    const [junk] = await index.search('recipe for chocolate cake with strawberries', 1);
    const [real] = await index.search('my laptop cannot connect to the vpn', 1);
    expect(junk?.score ?? 0).toBeLessThan(0.25);
    expect(real.score).toBeGreaterThan(0.5);
  });

  it('can run as plain BM25 (lexical) or vectors only for comparison', async () => {
    const [lexical] = await index.search('certificate expired x509', 1, { mode: 'lexical' });
    expect(lexical.articleId).toBe('security/certificate-expiry.md');
    const vector = await index.search('the vpn tunnel does not connect', 3, { mode: 'vector' });
    expect(vector.map((hit) => hit.articleId)).toContain('network/vpn-access.md');
  });
});

describe('retrieveKnowledge against the embedded index', () => {
  const base: Incident = {
    incidentId: 'inc-1',
    source: 'servicenow',
    kind: 'ticket',
    externalId: 'INC0010001',
    fingerprint: 'servicenow:INC0010001',
    title: 'VPN not working',
    description: "Hi,\nsince this morning my laptop can't connect to the VPN from home.\nThanks, Ana",
    status: 'triaging',
    priority: 'P3',
    severity: {},
    labels: {},
    agents: {},
    timeline: [],
    createdAt: '2026-11-20T08:00:00.000Z',
    updatedAt: '2026-11-20T08:00:00.000Z',
  };

  it('returns the VPN article first for a person-written ticket', async () => {
    const result = await retrieveKnowledge(base, index, { k: 3 });
    expect(result.query).toContain('VPN not working');
    expect(result.articles.length).toBeGreaterThan(0);
    expect(result.articles.length).toBeLessThanOrEqual(3);
    expect(result.articles[0]).toMatchObject({ articleId: 'network/vpn-access.md', title: 'VPN connection problems' });
  });

  it('returns the CPU runbook first for a CloudWatch alarm', async () => {
    const alarm: Incident = {
      ...base,
      source: 'cloudwatch',
      kind: 'alert',
      title: 'ServerCpuTooHigh is in ALARM',
      description:
        'Goes into alarm when server CPU utilization is too high!\n\nThreshold Crossed: 1 out of the last 1 ' +
        'datapoints [97.2 (02/10/19 17:04:00)] was greater than the threshold (50.0) (minimum 1 datapoint for OK -> ALARM transition).',
      service: 'i-12345678901234567',
    };
    const result = await retrieveKnowledge(alarm, index);
    expect(result.articles[0]?.articleId).toBe('linux/high-cpu.md');
  });
});

describe('UseEmbedder', () => {
  const embedder = createUseEmbedder();
  const dot = (a: number[], b: number[]) => a.reduce((sum, value, i) => sum + value * b[i], 0);

  it('returns one 512-dimensional unit vector per text, in input order, and zeros for empty text', async () => {
    const texts = ['the vpn does not connect', '', 'disk is full on the database server'];
    const vectors = await embedder.embed(texts);
    expect(embedder.dimensions).toBe(512);
    expect(vectors).toHaveLength(3);
    for (const vector of vectors) expect(vector).toHaveLength(512);
    expect(dot(vectors[0], vectors[0])).toBeCloseTo(1, 4);
    expect(vectors[1].every((value) => value === 0)).toBe(true);
    const [again] = await embedder.embed([texts[2]]);
    expect(dot(again, vectors[2])).toBeCloseTo(1, 4);
  });

  it('puts texts about the same problem closer together than texts about different ones', async () => {
    const [vpn, remote, printer] = await embedder.embed([
      'cannot connect to the VPN from home',
      'remote access tunnel fails to establish',
      'the printer is out of toner',
    ]);
    expect(dot(vpn, remote)).toBeGreaterThan(dot(vpn, printer));
  });
});

describe('UseEmbedder with worker threads', () => {
  it('returns the same vectors in the same order as embedding on the calling thread', async () => {
    const texts = Array.from({ length: 10 }, (_, i) => `incident number ${i}: ${i % 2 ? 'disk full' : 'vpn down'}`);
    const [inThread, inWorkers] = await Promise.all([
      createUseEmbedder({ workers: 1, cacheSize: 0 }).embed(texts),
      createUseEmbedder({ workers: 2, batchSize: 2, cacheSize: 0 }).embed(texts),
    ]);
    expect(inWorkers).toHaveLength(texts.length);
    inWorkers.forEach((vector, i) => {
      for (let d = 0; d < vector.length; d += 64) expect(vector[d]).toBeCloseTo(inThread[i][d], 5);
    });
  }, 120_000);
});
