import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy, { type MiddlewareObj } from '@middy/core';
import { logger, metrics, tracer } from '../shared/observability';

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
 * A middy handler carrying the Powertools middleware every Lumos function runs with: an X-Ray subsegment around the
 * handler (responses are not attached: they can hold incident text), the cold-start metric, and the Lambda context
 * (request id, function, cold start) on every log line, with keys appended during one invocation cleared after it.
 */
export function observed<TEvent, TResult>() {
  return middy<TEvent, TResult>()
    .use(captureLambdaHandler(tracer, { captureResponse: false }))
    .use(coldStartAndMetrics())
    .use(injectLambdaContext(logger, { resetKeys: true }));
}
