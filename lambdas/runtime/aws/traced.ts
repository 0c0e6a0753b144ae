import { tracer } from '../../shared/observability';

/**
 * An AWS SDK v3 client whose calls show up as X-Ray subsegments of the function's trace. Outside Lambda (tests, the
 * local runtime) the tracer is off and the client is returned untouched.
 */
export function traced<T>(client: T): T {
  return tracer.captureAWSv3Client(client);
}
