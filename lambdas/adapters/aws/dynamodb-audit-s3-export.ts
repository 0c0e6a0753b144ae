import type { S3Client } from '@aws-sdk/client-s3';
import type { AuditExport, AuditRecord } from '../../ports/audit';
import { type LazyClient, lazyClient } from './lazy-client';

const s3 = () => import('@aws-sdk/client-s3');

const key = (incidentId: string, seq: number) =>
  `audit/${encodeURIComponent(incidentId)}/${String(seq).padStart(8, '0')}.json`;

/**
 * The write-once copy of the audit trail: one object per record in an S3 bucket with Object Lock (compliance
 * mode, default retention), written by the stream exporter. Re-exporting the same record is harmless; changing
 * one is impossible for anyone until its retention ends.
 */
export class S3AuditExport implements AuditExport {
  private readonly client: LazyClient<S3Client>;

  /** Without `client`, the S3 client package is loaded on first use (the audit API reads the export only to verify). */
  constructor(
    private readonly bucket: string,
    client?: S3Client,
  ) {
    this.client = lazyClient(client, async () => new (await s3()).S3Client({}));
  }

  async put(record: AuditRecord): Promise<void> {
    const body = JSON.stringify(record);
    const [{ PutObjectCommand }, client] = await Promise.all([s3(), this.client()]);
    await client.send(
      new PutObjectCommand({
        Bucket: this.bucket,
        Key: key(record.incidentId, record.seq),
        Body: body,
        ContentType: 'application/json',
        // Object Lock requires an integrity checksum on every put.
        ChecksumAlgorithm: 'SHA256',
      }),
    );
  }

  async list(incidentId: string): Promise<AuditRecord[]> {
    const [{ GetObjectCommand, ListObjectsV2Command }, client] = await Promise.all([s3(), this.client()]);
    const records: AuditRecord[] = [];
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: `audit/${encodeURIComponent(incidentId)}/`,
          ContinuationToken: token,
        }),
      );
      for (const object of page.Contents ?? []) {
        const got = await client.send(new GetObjectCommand({ Bucket: this.bucket, Key: object.Key }));
        records.push(JSON.parse(await got.Body!.transformToString()) as AuditRecord);
      }
      token = page.NextContinuationToken;
    } while (token);
    return records.sort((a, b) => a.seq - b.seq);
  }
}
