import { S3Client } from '@aws-sdk/client-s3';
import { S3RawArchive } from '../../adapters/aws/s3-raw-archive';
import type { RawArchive } from '../../ports/raw-archive';
import { env } from '../aws/env';
import { definePort } from '../dependencies';

/** Every delivery as received, in the S3 bucket `RAW_ARCHIVE_BUCKET`. */
export const rawArchive = definePort<RawArchive>(
  'archive',
  { access: ['archiveDeliveries'], env: ['RAW_ARCHIVE_BUCKET'] },
  () => new S3RawArchive(env('RAW_ARCHIVE_BUCKET'), new S3Client({})),
);
