import { ServiceNowKnowledgeSource } from '../../../lambdas/adapters/http/servicenow-knowledge-source';
import { chunksOf, syncKnowledge } from '../../../lambdas/agents/knowledge-sync/core';
import { htmlToMarkdown } from '../../../lambdas/agents/knowledge-sync/html-to-markdown';
import type {
  ArticleVersion,
  IndexedChunk,
  KnowledgeIndexWriter,
  KnowledgeSource,
  SourceArticle,
} from '../../../lambdas/ports/knowledge-sync';

/** A writer that remembers chunks per article, as an index would. */
class MemoryWriter implements KnowledgeIndexWriter {
  readonly chunks = new Map<string, IndexedChunk[]>();
  ensured = 0;
  async ensureIndex() {
    this.ensured++;
  }
  async listArticles(source: string) {
    return new Map(
      [...this.chunks.values()].filter((c) => c[0]!.source === source).map((c) => [c[0]!.articleId, c[0]!.version]),
    );
  }
  async upsertArticles(chunks: readonly IndexedChunk[]) {
    for (const id of new Set(chunks.map((c) => c.articleId)))
      this.chunks.set(
        id,
        chunks.filter((c) => c.articleId === id),
      );
  }
  async deleteArticles(ids: readonly string[]) {
    for (const id of ids) this.chunks.delete(id);
  }
}

class MemorySource implements KnowledgeSource {
  fetched: string[] = [];
  constructor(
    readonly name: string,
    public articles: SourceArticle[],
  ) {}
  async list(): Promise<ArticleVersion[]> {
    return this.articles.map(({ articleId, version }) => ({ articleId, version }));
  }
  async fetch(ids: readonly string[]) {
    this.fetched.push(...ids);
    return this.articles.filter((a) => ids.includes(a.articleId));
  }
}

const article = (articleId: string, version: string, body: string): SourceArticle => ({
  articleId,
  version,
  markdown: `# ${articleId}\n\n## Symptoms\n\n${body}\n\n## Resolution\n\nRestart the service and check the logs carefully.\n`,
});

describe('the knowledge sync', () => {
  it('indexes new articles chunked by headings, then only what changed, and deletes what the source dropped', async () => {
    const writer = new MemoryWriter();
    const source = new MemorySource('runbooks', [
      article('a.md', '1', 'Disk is full on the host.'),
      article('b.md', '1', 'VPN drops every minute.'),
    ]);
    const [first] = await syncKnowledge([source], writer);
    expect(first).toMatchObject({ listed: 2, added: 2, updated: 0, unchanged: 0, deleted: 0, failed: [] });
    expect(writer.chunks.get('a.md')!.map((c) => c.section)).toEqual(['Symptoms', 'Resolution']);
    expect(writer.chunks.get('a.md')![0]).toMatchObject({ source: 'runbooks', version: '1' });

    source.fetched = [];
    source.articles = [article('a.md', '2', 'Disk is full; inodes too.')];
    const [second] = await syncKnowledge([source], writer);
    expect(second).toMatchObject({ listed: 1, added: 0, updated: 1, unchanged: 0, deleted: 1 });
    expect(source.fetched).toEqual(['a.md']);
    expect([...writer.chunks.keys()]).toEqual(['a.md']);
    expect(writer.chunks.get('a.md')![0]!.text).toContain('inodes');

    source.fetched = [];
    const [third] = await syncKnowledge([source], writer);
    expect(third).toMatchObject({ unchanged: 1, added: 0, updated: 0, deleted: 0 });
    expect(source.fetched).toEqual([]);
  });

  it('withholds deletions when a source suddenly lists nothing, which is more likely an outage than an empty KB', async () => {
    const writer = new MemoryWriter();
    const source = new MemorySource('kb', [article('a.md', '1', 'Disk is full on the host.')]);
    await syncKnowledge([source], writer);
    source.articles = [];
    const [report] = await syncKnowledge([source], writer);
    expect(report).toMatchObject({ deleted: 0, deletionsWithheld: 1 });
    expect(writer.chunks.has('a.md')).toBe(true);
  });

  it('keeps the sources apart: one source never deletes another source’s articles', async () => {
    const writer = new MemoryWriter();
    await syncKnowledge([new MemorySource('one', [article('a.md', '1', 'Disk is full on the host.')])], writer);
    await syncKnowledge([new MemorySource('two', [article('b.md', '1', 'VPN drops every minute.')])], writer);
    expect([...writer.chunks.keys()].sort()).toEqual(['a.md', 'b.md']);
  });

  it('takes title and update time from the source over the markdown', () => {
    const [chunk] = chunksOf(
      {
        ...article('kb1', 'v', 'Body text long enough.'),
        title: 'From ServiceNow',
        updatedAt: '2026-01-02T00:00:00.000Z',
        url: 'https://x/kb1',
      },
      'servicenow',
    );
    expect(chunk).toMatchObject({
      title: 'From ServiceNow',
      updatedAt: '2026-01-02T00:00:00.000Z',
      url: 'https://x/kb1',
      source: 'servicenow',
    });
  });
});

describe('ServiceNow knowledge articles', () => {
  it('turn HTML into markdown that chunks by its headings', () => {
    expect(
      htmlToMarkdown(
        '<h2>Cause</h2><p>The cert &amp; key <b>expired</b>.</p><ul><li>Renew</li><li>Restart</li></ul><script>x()</script>',
      ),
    ).toBe('## Cause\n\nThe cert & key expired.\n\n- Renew\n- Restart');
  });

  it('are listed published-only through the Table API, page by page, and fetched with a link back', async () => {
    const urls: URL[] = [];
    const fetchStub = async (input: string | URL | Request, init?: RequestInit) => {
      const url = new URL(String(input));
      urls.push(url);
      expect((init?.headers as Record<string, string> | undefined)?.authorization).toBe(
        `Basic ${Buffer.from('svc:pw').toString('base64')}`,
      );
      const fields = url.searchParams.get('sysparm_fields');
      if (fields === 'number,sys_updated_on') {
        const offset = Number(url.searchParams.get('sysparm_offset'));
        const page =
          offset === 0
            ? [
                { number: 'KB1', sys_updated_on: '2026-11-01 10:00:00' },
                { number: 'KB2', sys_updated_on: '2026-11-02 10:00:00' },
              ]
            : [{ number: 'KB3', sys_updated_on: '2026-11-03 10:00:00' }];
        return new Response(JSON.stringify({ result: page }));
      }
      return new Response(
        JSON.stringify({
          result: [
            {
              number: 'KB3',
              sys_updated_on: '2026-11-03 10:00:00',
              short_description: 'Reset a password',
              text: '<h2>Steps</h2><p>Unlock the account.</p>',
            },
          ],
        }),
      );
    };
    const source = new ServiceNowKnowledgeSource({
      credentials: async () => ({ instanceUrl: 'https://acme.service-now.com', username: 'svc', password: 'pw' }),
      fetch: fetchStub as typeof fetch,
      pageSize: 2,
    });
    expect(await source.list()).toEqual([
      { articleId: 'servicenow:KB1', version: '2026-11-01 10:00:00' },
      { articleId: 'servicenow:KB2', version: '2026-11-02 10:00:00' },
      { articleId: 'servicenow:KB3', version: '2026-11-03 10:00:00' },
    ]);
    expect(urls[0]!.pathname).toBe('/api/now/table/kb_knowledge');
    expect(urls[0]!.searchParams.get('sysparm_query')).toBe('workflow_state=published^ORDERBYnumber');
    const [fetched] = await source.fetch(['servicenow:KB3']);
    expect(urls[2]!.searchParams.get('sysparm_query')).toBe('workflow_state=published^numberINKB3');
    expect(fetched).toEqual({
      articleId: 'servicenow:KB3',
      version: '2026-11-03 10:00:00',
      title: 'Reset a password',
      markdown: '## Steps\n\nUnlock the account.',
      url: 'https://acme.service-now.com/kb_view.do?sysparm_article=KB3',
      updatedAt: '2026-11-03T10:00:00.000Z',
    });
  });
});
