import { GetObjectCommand, ListObjectsV2Command, type S3Client } from '@aws-sdk/client-s3';
import type { ArticleVersion, KnowledgeSource, SourceArticle } from '../../ports/knowledge-sync';
import { DRAFTS_PREFIX } from './s3-knowledge-drafts';

/**
 * {@link KnowledgeSource} over markdown objects under an S3 prefix. Article id: the key relative to the prefix (so it
 * matches the folder layout the local runtime indexes); version: the ETag, which changes with the content.
 */
export class S3KnowledgeSource implements KnowledgeSource {
  readonly name: string;
  private readonly prefix: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    prefix = '',
  ) {
    this.prefix = prefix && !prefix.endsWith('/') ? `${prefix}/` : prefix;
    this.name = `s3://${bucket}/${this.prefix}`;
  }

  async list(): Promise<ArticleVersion[]> {
    const found: ArticleVersion[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: this.prefix, ContinuationToken }),
      );
      for (const object of page.Contents ?? []) {
        if (!object.Key || !/\.md$/i.test(object.Key)) continue;
        // Drafts wait for a person's review; only approved articles are knowledge.
        if (object.Key.slice(this.prefix.length).startsWith(DRAFTS_PREFIX)) continue;
        found.push({
          articleId: object.Key.slice(this.prefix.length),
          version: object.ETag ?? String(object.LastModified?.getTime() ?? ''),
        });
      }
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return found;
  }

  async fetch(articleIds: readonly string[]): Promise<SourceArticle[]> {
    return Promise.all(
      articleIds.map(async (articleId) => {
        const object = await this.client.send(
          new GetObjectCommand({ Bucket: this.bucket, Key: `${this.prefix}${articleId}` }),
        );
        return {
          articleId,
          version: object.ETag ?? '',
          markdown: (await object.Body?.transformToString('utf-8')) ?? '',
          ...(object.LastModified ? { updatedAt: object.LastModified.toISOString() } : {}),
        };
      }),
    );
  }
}
