import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import { logger, metrics } from '../shared/observability';

/**
 * Publishes the cold-start metric and whatever the handler added. Powertools' `logMetrics` does the same but also
 * warns "No application metrics to publish" on every invocation that added none, which is most of them here.
 */
function coldStartAndMetrics(): MiddlewareObj {
  const publish = async () => {
    if (metrics.hasStoredMetrics()) metrics.publishStoredMetrics();
  };
  return {
    before: async () => {
      metrics.captureColdStartMetric();
    },
    after: publish,
    onError: publish,
  };
}

/**
 * A middy handler carrying the Powertools middleware every Lumos function runs with: the cold-start metric, and the
 * Lambda context (request id, function, cold start) on every log line, with keys appended during one invocation
 * cleared after it. Traces come from Lambda's active tracing; the X-Ray SDK (Powertools Tracer) is left out because
 * the nodejs24.x runtime does not ship it and it would add about 100 KiB and its load time to every cold start.
 */
export function observed<TEvent, TResult>() {
  return middy<TEvent, TResult>()
    .use(coldStartAndMetrics())
    .use(injectLambdaContext(logger, { resetKeys: true }));
}
