import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import type { RawArchive } from '../../ports/raw-archive';

/** Raw deliveries in S3 (the bucket is versioned and encrypted by the stack). */
export class S3RawArchive implements RawArchive {
  constructor(
    private readonly bucket: string,
    private readonly client: S3Client = new S3Client({}),
  ) {}

  async put(key: string, body: string, metadata: Record<string, string>): Promise<string> {
    await this.client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key,
        Body: body,
        ContentType: 'application/json',
        Metadata: metadata,
      }),
    );
    return `s3://${this.bucket}/${key}`;
  }
}
