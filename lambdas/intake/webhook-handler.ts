import { slaPausePorts } from '../governance/sla/sla-pause-ports';
import { httpHandler } from '../runtime/http-handler';
import { clock } from '../runtime/ports/clock';
import { incidentStore } from '../runtime/ports/incident-store';
import { rawArchive } from '../runtime/ports/raw-archive';
import { topology } from '../runtime/ports/topology';
import { webhookSecrets } from '../runtime/ports/webhook-secrets';
import { workflowStarter } from '../runtime/ports/workflow-starter';
import { header, json, rawBody } from '../shared/http';
import { logger } from '../shared/observability';
import { handleDelivery } from './intake-request';
import { reportSettingsProblems } from './settings';
import { webhookParserFor } from './sources';
import { deferTimeouts } from './timeouts';

/** `POST /webhooks/{source}`: every ITSM and monitoring webhook enters here. */
export const handler = httpHandler(async (event) => {
  reportSettingsProblems((problems) => logger.error('intake configuration problems; defaults used', { problems }));
  const routeName = event.pathParameters?.source ?? event.path.split('/').filter(Boolean).pop() ?? '';
  const parser = webhookParserFor(routeName);
  // A source without its own secret uses the generated `default` entry (see WebhookSecrets).
  const secrets = webhookSecrets();
  const secret = parser ? ((await secrets.get(parser.source)) ?? (await secrets.get('default'))) : undefined;
  const deps = {
    store: incidentStore(),
    workflow: workflowStarter(),
    archive: rawArchive(),
    clock: clock(),
    topology: topology(),
    sla: slaPausePorts(),
  };
  const answer = await handleDelivery(
    deps,
    parser,
    routeName,
    { body: rawBody(event), header: (n) => header(event, n) },
    secret,
    { channel: 'webhook' },
  );
  logger.info('delivery accepted', { source: routeName, status: answer.status, incidentId: answer.incidentId });
  return json(202, answer);
}, deferTimeouts());
