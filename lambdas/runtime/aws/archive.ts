/** Registers the raw archive: the S3 bucket `RAW_ARCHIVE_BUCKET`. */
import { S3RawArchive } from '../../adapters/aws/s3-raw-archive';
import { registerFactories } from '../dependencies';
import { env } from './env';

registerFactories({
  archive: () => new S3RawArchive(env('RAW_ARCHIVE_BUCKET')),
});
