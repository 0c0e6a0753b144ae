import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { listMarkdownFiles, toArticleId } from '../../knowledge/markdown';
import type { ArticleVersion, KnowledgeSource, SourceArticle } from '../../ports/knowledge-sync';

/**
 * {@link KnowledgeSource} over a folder of markdown files (a checked-out docs repository, a bundled runbook folder).
 * Article id: the path relative to the folder; version: modification time and size.
 */
export class MarkdownFolderSource implements KnowledgeSource {
  constructor(
    private readonly dir: string,
    readonly name = `folder:${dir}`,
  ) {}

  async list(): Promise<ArticleVersion[]> {
    const files = await listMarkdownFiles(this.dir);
    return Promise.all(
      files.map(async (file) => {
        const info = await stat(file);
        return { articleId: toArticleId(this.dir, file), version: `${Math.round(info.mtimeMs)}-${info.size}` };
      }),
    );
  }

  async fetch(articleIds: readonly string[]): Promise<SourceArticle[]> {
    return Promise.all(
      articleIds.map(async (articleId) => {
        const file = join(this.dir, ...articleId.split('/'));
        const [markdown, info] = await Promise.all([readFile(file, 'utf8'), stat(file)]);
        return {
          articleId,
          version: `${Math.round(info.mtimeMs)}-${info.size}`,
          markdown,
          updatedAt: info.mtime.toISOString(),
        };
      }),
    );
  }
}
