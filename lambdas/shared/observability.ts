import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';

/** One logger, metrics and tracer per process, shared by every handler (Powertools guidance). */
export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'lumos' });
export const metrics = new Metrics({
  namespace: process.env.POWERTOOLS_METRICS_NAMESPACE ?? 'Lumos',
  serviceName: 'lumos',
});
export const tracer = new Tracer({ serviceName: 'lumos', enabled: process.env.AWS_XRAY_CONTEXT_MISSING !== undefined });
