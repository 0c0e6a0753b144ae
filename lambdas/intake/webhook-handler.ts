import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import '../runtime/aws/archive';
import '../runtime/aws/governance-audit';
import '../runtime/aws/governance-scheduler';
import '../runtime/aws/secrets';
import '../runtime/aws/store';
import '../runtime/aws/workflow';
import { slaPausePorts } from '../governance/sla/sla-pause-ports';
import { dependency } from '../runtime/dependencies';
import { header, httpErrors, json, rawBody } from '../shared/http';
import { logger } from '../shared/observability';
import { handleDelivery } from './intake-request';
import { reportSettingsProblems } from './settings';
import { webhookParserFor } from './sources';
import { deferTimeouts } from './timeouts';

/** `POST /webhooks/{source}`: every ITSM and monitoring webhook enters here. */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(httpErrors())
  .use(deferTimeouts())
  .handler(async (event) => {
    reportSettingsProblems((problems) => logger.error('intake configuration problems; defaults used', { problems }));
    const routeName = event.pathParameters?.source ?? event.path.split('/').filter(Boolean).pop() ?? '';
    const parser = webhookParserFor(routeName);
    // A source without its own secret uses the generated `default` entry (see WebhookSecrets).
    const secrets = dependency('secrets');
    const secret = parser ? ((await secrets.get(parser.source)) ?? (await secrets.get('default'))) : undefined;
    const deps = {
      store: dependency('store'),
      workflow: dependency('workflow'),
      archive: dependency('archive'),
      clock: dependency('clock'),
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
  });
