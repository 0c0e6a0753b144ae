import { retrieveKnowledge, summarizeKnowledge } from '../../../lambdas/agents/knowledge/core';
import type { KnowledgeHit, KnowledgeIndex } from '../../../lambdas/ports/knowledge-index';

/** Records the queries it receives and answers with fixed hits. */
function fakeIndex(hits: KnowledgeHit[]): KnowledgeIndex & { calls: { query: string; k: number }[] } {
  const calls: { query: string; k: number }[] = [];
  return {
    calls,
    async search(query: string, k: number) {
      calls.push({ query, k });
      return hits.slice(0, k);
    },
  };
}

const HITS: KnowledgeHit[] = [
  {
    articleId: 'network/vpn-access.md',
    title: 'VPN connection problems',
    score: 0.82,
    snippet: 'The VPN client fails to connect.',
    section: 'Symptoms',
    updatedAt: '2026-10-12T00:00:00.000Z',
  },
  {
    articleId: 'identity/sso-login-failures.md',
    title: 'SSO login failures',
    score: 0.31,
    snippet: 'Users cannot sign in.',
  },
  { articleId: 'end-user/printer-not-printing.md', title: 'Printer not printing', score: 0.01, snippet: 'Jobs stuck.' },
];

describe('retrieveKnowledge', () => {
  it('searches with the cleaned ticket text and returns the hits as article references', async () => {
    const index = fakeIndex(HITS);
    const result = await retrieveKnowledge(
      {
        kind: 'ticket',
        title: 'Cannot connect to VPN',
        description: 'Hello team,\nThe client times out.\nThanks, Ana',
      },
      index,
      { k: 2 },
    );
    expect(index.calls).toEqual([{ query: 'Cannot connect to VPN. The client times out', k: 2 }]);
    expect(result).toEqual({
      query: 'Cannot connect to VPN. The client times out',
      articles: [
        {
          articleId: 'network/vpn-access.md',
          title: 'VPN connection problems',
          score: 0.82,
          snippet: 'The VPN client fails to connect.',
          updatedAt: '2026-10-12T00:00:00.000Z',
        },
        {
          articleId: 'identity/sso-login-failures.md',
          title: 'SSO login failures',
          score: 0.31,
          snippet: 'Users cannot sign in.',
        },
      ],
    });
  });

  it('cleans alert text as machine text and asks for five articles by default', async () => {
    const index = fakeIndex(HITS);
    await retrieveKnowledge(
      { kind: 'alert', title: 'ServerCpuTooHigh is in ALARM', description: 'CPU above 90% on i-0123456789abcdef0' },
      index,
    );
    expect(index.calls).toEqual([{ query: 'Server Cpu Too High. CPU above on', k: 5 }]);
  });

  it('drops hits scoring below the minimum', async () => {
    const result = await retrieveKnowledge({ kind: 'ticket', title: 'VPN', description: '' }, fakeIndex(HITS), {
      k: 5,
      minScore: 0.3,
    });
    expect(result.articles.map((a) => a.articleId)).toEqual([
      'network/vpn-access.md',
      'identity/sso-login-failures.md',
    ]);
  });

  it('does not search when the incident has no usable text', async () => {
    const index = fakeIndex(HITS);
    const result = await retrieveKnowledge({ kind: 'alert', title: '12345', description: '' }, index);
    expect(index.calls).toEqual([]);
    expect(result).toEqual({ query: '', articles: [] });
  });
});

describe('summarizeKnowledge', () => {
  it('names the count and the best article with its score', () => {
    expect(
      summarizeKnowledge({
        query: 'q',
        articles: [
          { articleId: 'a.md', title: 'Disk full on a Linux host', score: 0.8234 },
          { articleId: 'b.md', title: 'High CPU', score: 0.4 },
        ],
      }),
    ).toBe('2 articles; best: Disk full on a Linux host (0.82)');
    expect(summarizeKnowledge({ query: 'q', articles: [{ articleId: 'a.md', title: 'A', score: 1 }] })).toBe(
      '1 article; best: A (1.00)',
    );
  });

  it('says so when nothing matched', () => {
    expect(summarizeKnowledge({ query: 'q', articles: [] })).toBe('No matching knowledge articles');
  });
});
