import { httpHandler } from '../../runtime/http-handler';
import { auditExport } from '../../runtime/ports/audit-export';
import { auditReader } from '../../runtime/ports/audit-reader';
import { incidentReader } from '../../runtime/ports/incident-reader';
import { NotFoundError } from '../../shared/errors';
import { json } from '../../shared/http';
import { verifyChain } from './audit-chain';

/**
 * Audit API: `GET /incidents/{incidentId}/audit` (the records, oldest first) and
 * `GET /incidents/{incidentId}/audit/verify` (checks the hash chain and compares it with the write-once export).
 */
export const handler = httpHandler(async (event) => {
  const segments = event.path.split('/').filter(Boolean);
  const incidentId = event.pathParameters?.incidentId ?? decodeURIComponent(segments[1] ?? '');
  const records = await auditReader().list(incidentId);
  if (records.length === 0 && !(await incidentReader().get(incidentId))) {
    throw new NotFoundError(`incident ${incidentId} does not exist`);
  }
  if (segments[3] === 'verify') {
    const exported = await auditExport().list(incidentId);
    return json(200, verifyChain(incidentId, records, exported));
  }
  return json(200, { incidentId, records });
});
