import * as z from 'zod';
import { htmlToMarkdown } from '../../agents/knowledge-sync/html-to-markdown';
import type { ArticleVersion, KnowledgeSource, SourceArticle } from '../../ports/knowledge-sync';

/** How to reach a ServiceNow instance: basic auth of an integration user, or a bearer token (OAuth). */
export const ServiceNowCredentials = z.union([
  z.object({ instanceUrl: z.url(), username: z.string().min(1), password: z.string().min(1) }),
  z.object({ instanceUrl: z.url(), token: z.string().min(1) }),
]);
export type ServiceNowCredentials = z.infer<typeof ServiceNowCredentials>;

/** Options of {@link ServiceNowKnowledgeSource}. */
export interface ServiceNowKnowledgeSourceOptions {
  readonly credentials: () => Promise<ServiceNowCredentials>;
  /** Extra encoded query ANDed to `workflow_state=published` (e.g. `kb_knowledge_base=<sys_id>`). */
  readonly query?: string;
  /** @default globalThis.fetch */
  readonly fetch?: typeof fetch;
  /** Records per Table API page. @default 500 */
  readonly pageSize?: number;
}

/** ServiceNow answered with an error status. */
export class ServiceNowApiError extends Error {
  override readonly name = 'ServiceNowApiError';
}

const Listed = z.object({ result: z.array(z.object({ number: z.string(), sys_updated_on: z.string() })) });
const Fetched = z.object({
  result: z.array(
    z.object({
      number: z.string(),
      sys_updated_on: z.string(),
      short_description: z.string().default(''),
      text: z.string().default(''),
    }),
  ),
});

/** `2026-11-20 10:00:00` (UTC in the Table API) -> ISO 8601. */
const snowTime = (value: string) => {
  const parsed = Date.parse(`${value.replace(' ', 'T')}Z`);
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
};

/**
 * {@link KnowledgeSource} over ServiceNow's `kb_knowledge` table through the Table API: published articles only.
 * Listing reads just `number` and `sys_updated_on` (the version), page by page; fetching reads the HTML body, which
 * becomes markdown so it chunks by its headings. Article id: `servicenow:<number>`.
 */
export class ServiceNowKnowledgeSource implements KnowledgeSource {
  readonly name = 'servicenow:kb_knowledge';

  constructor(private readonly options: ServiceNowKnowledgeSourceOptions) {}

  private async get(path: string, params: Record<string, string>): Promise<unknown> {
    const credentials = await this.options.credentials();
    const url = new URL(path, credentials.instanceUrl);
    for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
    const authorization =
      'token' in credentials
        ? `Bearer ${credentials.token}`
        : `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
    const response = await (this.options.fetch ?? fetch)(url, {
      headers: { accept: 'application/json', authorization },
      signal: AbortSignal.timeout(20_000),
    });
    if (!response.ok) throw new ServiceNowApiError(`ServiceNow ${url.pathname} answered ${response.status}`);
    return response.json();
  }

  private filter(extra?: string): string {
    return ['workflow_state=published', this.options.query, extra].filter(Boolean).join('^');
  }

  async list(): Promise<ArticleVersion[]> {
    const pageSize = this.options.pageSize ?? 500;
    const found: ArticleVersion[] = [];
    for (let offset = 0; ; offset += pageSize) {
      const page = Listed.parse(
        await this.get('/api/now/table/kb_knowledge', {
          sysparm_query: `${this.filter()}^ORDERBYnumber`,
          sysparm_fields: 'number,sys_updated_on',
          sysparm_limit: String(pageSize),
          sysparm_offset: String(offset),
        }),
      );
      for (const record of page.result)
        found.push({ articleId: `servicenow:${record.number}`, version: record.sys_updated_on });
      if (page.result.length < pageSize) return found;
    }
  }

  async fetch(articleIds: readonly string[]): Promise<SourceArticle[]> {
    if (articleIds.length === 0) return [];
    const numbers = articleIds.map((id) => id.replace(/^servicenow:/, ''));
    const credentials = await this.options.credentials();
    const page = Fetched.parse(
      await this.get('/api/now/table/kb_knowledge', {
        sysparm_query: this.filter(`numberIN${numbers.join(',')}`),
        sysparm_fields: 'number,sys_updated_on,short_description,text',
        sysparm_limit: String(numbers.length),
      }),
    );
    return page.result.map((record) => {
      const updatedAt = snowTime(record.sys_updated_on);
      return {
        articleId: `servicenow:${record.number}`,
        version: record.sys_updated_on,
        title: record.short_description || record.number,
        markdown: htmlToMarkdown(record.text),
        url: `${credentials.instanceUrl.replace(/\/$/, '')}/kb_view.do?sysparm_article=${encodeURIComponent(record.number)}`,
        ...(updatedAt ? { updatedAt } : {}),
      };
    });
  }
}
