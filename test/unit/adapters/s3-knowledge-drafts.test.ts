import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { S3KnowledgeDrafts } from '../../../lambdas/adapters/aws/s3-knowledge-drafts';
import { S3KnowledgeSource } from '../../../lambdas/adapters/aws/s3-knowledge-source';

const s3 = mockClient(S3Client);
const notFound = Object.assign(new Error('not found'), { name: 'NotFound' });
/** The part of an SDK stream body the adapter reads. */
const body = (text: string) => ({ transformToString: async () => text }) as never;

beforeEach(() => s3.reset());

describe('knowledge drafts in the articles bucket', () => {
  it('keeps drafts out of what the knowledge sync lists', async () => {
    s3.on(ListObjectsV2Command).resolves({
      Contents: [
        { Key: 'linux/disk-full.md', ETag: '"a"' },
        { Key: 'drafts/x-crash-loop-restart-service.md', ETag: '"b"' },
        { Key: 'approved/y-disk-exhaustion-free-disk.md', ETag: '"c"' },
      ],
    });
    const listed = await new S3KnowledgeSource(new S3Client({}), 'kb').list();
    expect(listed.map((a) => a.articleId)).toEqual(['linux/disk-full.md', 'approved/y-disk-exhaustion-free-disk.md']);
  });

  it('writes a draft only if none exists (If-None-Match) and no approved article has its id', async () => {
    s3.on(HeadObjectCommand).rejects(notFound);
    s3.on(PutObjectCommand).resolves({});
    const drafts = new S3KnowledgeDrafts(new S3Client({}), 'kb');
    await expect(drafts.putDraft('a-b-c', '# draft')).resolves.toBe(true);
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Bucket: 'kb',
      Key: 'drafts/a-b-c.md',
      IfNoneMatch: '*',
    });
    s3.on(PutObjectCommand).rejects(Object.assign(new Error('exists'), { name: 'PreconditionFailed' }));
    await expect(drafts.putDraft('a-b-c', '# draft')).resolves.toBe(false);
    s3.on(HeadObjectCommand).resolves({});
    await expect(drafts.putDraft('a-b-c', '# draft')).resolves.toBe(false);
  });

  it('publishes an approved article under approved/ and then removes the draft', async () => {
    s3.on(GetObjectCommand).resolves({ Body: body('# draft') });
    s3.on(PutObjectCommand).resolves({});
    s3.on(DeleteObjectCommand).resolves({});
    const drafts = new S3KnowledgeDrafts(new S3Client({}), 'kb');
    await expect(drafts.getDraft('a-b-c')).resolves.toBe('# draft');
    await drafts.approve('a-b-c', '# approved');
    expect(s3.commandCalls(PutObjectCommand)[0]!.args[0].input).toMatchObject({
      Key: 'approved/a-b-c.md',
      Body: '# approved',
    });
    expect(s3.commandCalls(DeleteObjectCommand)[0]!.args[0].input).toMatchObject({ Key: 'drafts/a-b-c.md' });
    s3.on(GetObjectCommand).rejects(Object.assign(new Error('gone'), { name: 'NoSuchKey' }));
    await expect(drafts.getDraft('a-b-c')).resolves.toBeUndefined();
  });
});
