import middy from '@middy/core';
import type { EventBridgeEvent } from 'aws-lambda';
import '../runtime/aws-defaults';
import { dependency } from '../runtime/dependencies';
import { logger } from '../shared/observability';
import { handleDelivery, type IntakeResponse } from './intake-request';
import { eventParsers } from './sources';

/**
 * EventBridge rule target (CloudWatch alarm state changes). A thrown error makes Lambda retry the async invocation
 * and finally send the event to the rule's DLQ, so nothing is dropped.
 */
export const handler = middy<EventBridgeEvent<string, unknown>, IntakeResponse>().handler(async (event) => {
  const deps = {
    store: dependency('store'),
    workflow: dependency('workflow'),
    archive: dependency('archive'),
    clock: dependency('clock'),
  };
  const answer = await handleDelivery(
    deps,
    eventParsers[event.source],
    event.source,
    {
      body: JSON.stringify(event),
      header: () => undefined,
    },
    undefined,
  );
  logger.info('event accepted', { source: event.source, status: answer.status, incidentId: answer.incidentId });
  return answer;
});
