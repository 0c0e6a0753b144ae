import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import '../../runtime/aws/governance-audit';
import '../../runtime/aws/governance-audit-export';
import '../../runtime/aws/store';
import { dependency } from '../../runtime/dependencies';
import { NotFoundError } from '../../shared/errors';
import { httpErrors, json } from '../../shared/http';
import { verifyChain } from './audit-chain';

/**
 * Audit API: `GET /incidents/{incidentId}/audit` (the records, oldest first) and
 * `GET /incidents/{incidentId}/audit/verify` (checks the hash chain and compares it with the write-once export).
 */
export const handler = middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
  .use(httpErrors())
  .handler(async (event) => {
    const segments = event.path.split('/').filter(Boolean);
    const incidentId = event.pathParameters?.incidentId ?? decodeURIComponent(segments[1] ?? '');
    const records = await dependency('audit').list(incidentId);
    if (records.length === 0 && !(await dependency('store').get(incidentId))) {
      throw new NotFoundError(`incident ${incidentId} does not exist`);
    }
    if (segments[3] === 'verify') {
      const exported = await dependency('auditExport').list(incidentId);
      return json(200, verifyChain(incidentId, records, exported));
    }
    return json(200, { incidentId, records });
  });
