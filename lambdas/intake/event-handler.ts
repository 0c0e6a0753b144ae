import type { EventBridgeEvent } from 'aws-lambda';
import { slaPausePorts } from '../governance/sla/sla-pause-ports';
import { observed } from '../runtime/observed';
import { clock } from '../runtime/ports/clock';
import { incidentStore } from '../runtime/ports/incident-store';
import { rawArchive } from '../runtime/ports/raw-archive';
import { topology } from '../runtime/ports/topology';
import { workflowStarter } from '../runtime/ports/workflow-starter';
import { logger } from '../shared/observability';
import { eventBody, handleDelivery, type IntakeResponse } from './intake-request';
import { reportSettingsProblems } from './settings';
import { eventParserFor } from './sources';
import { deferTimeouts } from './timeouts';

/**
 * EventBridge rule target: CloudWatch alarm (and contributor) state changes, and Zendesk's partner events. A thrown
 * error makes Lambda retry the async invocation and finally send the event to the target's DLQ; the intake also
 * records the failed delivery, so `bin/replay.ts` can re-drive it from either place.
 */
export const handler = observed<EventBridgeEvent<string, unknown>, IntakeResponse>()
  .use(deferTimeouts())
  .handler(async (event) => {
    reportSettingsProblems((problems) => logger.error('intake configuration problems; defaults used', { problems }));
    const deps = {
      store: incidentStore(),
      workflow: workflowStarter(),
      archive: rawArchive(),
      clock: clock(),
      topology: topology(),
      // Zendesk partner events carry ticket status too: a ticket waiting on its requester pauses the SLA clock.
      sla: slaPausePorts(),
    };
    // The source is the sender's text; anything else (an object, even one with its own `toString`) has no intake.
    const source = typeof event.source === 'string' ? event.source : `(${typeof event.source})`;
    const answer = await handleDelivery(
      deps,
      eventParserFor(event.source),
      source,
      { body: eventBody(event), header: () => undefined },
      undefined,
      { channel: 'event' },
    );
    logger.info('event accepted', { source, status: answer.status, incidentId: answer.incidentId });
    return answer;
  });
