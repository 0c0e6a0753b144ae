import {
  extractiveResolution,
  selectExcerpts,
  suggestResolution,
} from '../../../lambdas/agents/knowledge/suggested-resolution';
import type { KnowledgeArticleRef } from '../../../lambdas/core/incident';
import type { KnowledgeChunk } from '../../../lambdas/ports/knowledge-index';
import type { LanguageModel, StructuredRequest } from '../../../lambdas/ports/llm';
import { anIncident } from './support/incident';

const articles: KnowledgeArticleRef[] = [
  { articleId: 'linux/disk-full.md', title: 'Disk full', score: 0.9, snippet: 'Disk at 100%.' },
  { articleId: 'db/pool.md', title: 'Pool exhausted', score: 0.5, snippet: 'Pool exhausted.' },
];
const chunks: Record<string, KnowledgeChunk[]> = {
  'linux/disk-full.md': [
    {
      chunkId: 'd#0',
      articleId: 'linux/disk-full.md',
      title: 'Disk full',
      section: 'Symptoms',
      text: 'Writes fail with no space left.',
    },
    {
      chunkId: 'd#1',
      articleId: 'linux/disk-full.md',
      title: 'Disk full',
      section: 'Resolution',
      text: '1. Find large files with `du -xh /var | sort -h`\n2. Rotate and compress old logs in /var/log\n\nSome background prose.\n\nClear the package cache:\nsudo apt-get clean\n\nIn an emergency, extend the volume first.',
    },
  ],
};
const reader = { chunksOf: async (id: string) => chunks[id] ?? [] };

describe('a suggested resolution', () => {
  it('is grounded in excerpts Lumos selects: resolution sections when the index has them, else the snippet', async () => {
    const excerpts = await selectExcerpts(articles, reader);
    expect(excerpts.map((e) => [e.label, e.articleId, e.section])).toEqual([
      ['excerpt.1', 'linux/disk-full.md', 'Resolution'],
      ['excerpt.2', 'db/pool.md', undefined],
    ]);
  });

  it('leaves out articles far weaker than the best one, so unrelated steps cannot slip in', async () => {
    const weakSecond = [articles[0]!, { ...articles[1]!, score: 0.2 }];
    const excerpts = await selectExcerpts(weakSecond, reader);
    expect(excerpts.map((e) => e.articleId)).toEqual(['linux/disk-full.md']);
  });

  it('keeps only steps that cite excerpts, mapped to the articles they come from', async () => {
    const excerpts = await selectExcerpts(articles, reader);
    const llm: LanguageModel = {
      generate: async <T>(request: StructuredRequest<T>) => ({
        output: request.schema.parse({
          covered: true,
          summary: 'Free disk space.',
          steps: [
            { text: 'Find large files with du.', citations: ['excerpt.1'] },
            { text: 'Run rm -rf / as root.', citations: ['http://evil.example'] },
          ],
        }),
        usage: { inputTokens: 1, outputTokens: 1 },
        modelId: 'claude',
      }),
    };
    const resolution = await suggestResolution(anIncident({ title: 'Disk full on web-1' }), excerpts, llm);
    expect(resolution).toEqual({
      summary: 'Free disk space.',
      steps: [{ text: 'Find large files with du.', articleIds: ['linux/disk-full.md'] }],
      by: 'claude',
    });
  });

  it('is withheld when the model says the excerpts do not cover the incident', async () => {
    const llm: LanguageModel = {
      generate: async <T>(request: StructuredRequest<T>) => ({
        output: request.schema.parse({ covered: false, summary: 'Not covered.', steps: [] }),
        usage: { inputTokens: 1, outputTokens: 1 },
        modelId: 'claude',
      }),
    };
    await expect(suggestResolution(anIncident(), await selectExcerpts(articles, reader), llm)).resolves.toBeUndefined();
  });

  it('is extractive locally: instructions copied from the excerpts, each citing its excerpt, commands joined to the instruction that introduces them, prose left out', async () => {
    const excerpts = await selectExcerpts(articles, reader);
    const answer = extractiveResolution({
      untrusted: excerpts.map((e) => ({ label: e.label, text: `${e.title} > ${e.section}\n${e.text}` })),
    } as unknown as StructuredRequest<unknown>);
    expect(answer).toEqual({
      covered: true,
      summary: 'Steps taken from Disk full > Resolution.',
      steps: [
        { text: 'Find large files with `du -xh /var | sort -h`', citations: ['excerpt.1'] },
        { text: 'Rotate and compress old logs in /var/log', citations: ['excerpt.1'] },
        { text: 'Clear the package cache: `sudo apt-get clean`', citations: ['excerpt.1'] },
        { text: 'In an emergency, extend the volume first.', citations: ['excerpt.1'] },
      ],
    });
  });
});
