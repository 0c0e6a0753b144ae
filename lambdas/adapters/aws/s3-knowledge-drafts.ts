import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import type { KnowledgeDraftStore } from '../../ports/knowledge-drafts';

/** Key prefix of drafts awaiting review; the knowledge sync skips it. */
export const DRAFTS_PREFIX = 'drafts/';
/** Key prefix of approved articles, which the knowledge sync indexes like any other article. */
export const APPROVED_PREFIX = 'approved/';

const missing = (error: unknown) => {
  const name = (error as { name?: string }).name;
  return name === 'NoSuchKey' || name === 'NotFound';
};

/** {@link KnowledgeDraftStore} in the knowledge articles bucket: `drafts/<id>.md`, approved as `approved/<id>.md`. */
export class S3KnowledgeDrafts implements KnowledgeDraftStore {
  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
  ) {}

  async putDraft(draftId: string, markdown: string): Promise<boolean> {
    if (await this.isApproved(draftId)) return false;
    try {
      await this.client.send(
        new PutObjectCommand({
          Bucket: this.bucket,
          Key: `${DRAFTS_PREFIX}${draftId}.md`,
          Body: markdown,
          ContentType: 'text/markdown; charset=utf-8',
          IfNoneMatch: '*',
        }),
      );
      return true;
    } catch (error) {
      if ((error as { name?: string }).name === 'PreconditionFailed') return false;
      throw error;
    }
  }

  async getDraft(draftId: string): Promise<string | undefined> {
    try {
      const object = await this.client.send(
        new GetObjectCommand({ Bucket: this.bucket, Key: `${DRAFTS_PREFIX}${draftId}.md` }),
      );
      return (await object.Body?.transformToString('utf-8')) ?? '';
    } catch (error) {
      if (missing(error)) return undefined;
      throw error;
    }
  }

  async listDrafts(): Promise<string[]> {
    const ids: string[] = [];
    let ContinuationToken: string | undefined;
    do {
      const page = await this.client.send(
        new ListObjectsV2Command({ Bucket: this.bucket, Prefix: DRAFTS_PREFIX, ContinuationToken }),
      );
      for (const object of page.Contents ?? [])
        if (object.Key?.endsWith('.md')) ids.push(object.Key.slice(DRAFTS_PREFIX.length, -3));
      ContinuationToken = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (ContinuationToken);
    return ids;
  }

  async isApproved(draftId: string): Promise<boolean> {
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: `${APPROVED_PREFIX}${draftId}.md` }));
      return true;
    } catch (error) {
      if (missing(error)) return false;
      throw error;
    }
  }

  async approve(draftId: string, markdown: string): Promise<void> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: `${APPROVED_PREFIX}${draftId}.md`,
        Body: markdown,
        ContentType: 'text/markdown; charset=utf-8',
      }),
    );
    await this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: `${DRAFTS_PREFIX}${draftId}.md` }));
  }
}
