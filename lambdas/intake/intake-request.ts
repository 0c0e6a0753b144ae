import type { Source } from '../core/incident';
import { BadRequestError, NotFoundError, PayloadTooLargeError, UnauthorizedError } from '../shared/errors';
import { acceptSignal, archiveDelivery, type IntakeAnswer, type IntakeDeps } from './intake-service';
import { verifySignature } from './signatures';
import type { SourceParser } from './sources/source';

/** Bodies up to 1 MiB are accepted (the spec asks for at least 256 KiB; API Gateway allows 10 MB). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface InboundDelivery {
  body: string;
  header(name: string): string | undefined;
}

export type IntakeResponse = IntakeAnswer & { incidents?: IntakeAnswer[] };

/** Parses JSON, naming the position of the first problem. */
export function parseJson(body: string): unknown {
  if (body.trim() === '') throw new BadRequestError('body is empty; expected a JSON document', 'invalid_json');
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new BadRequestError(`body is not valid JSON: ${(error as Error).message}`, 'invalid_json');
  }
}

/**
 * The whole intake path for one delivery, independent of transport: size, authentication, JSON, schema, archive,
 * then one idempotent effect per signal. Throws named errors (401/400/413) before anything is stored.
 */
export async function handleDelivery(
  deps: IntakeDeps,
  parser: SourceParser | undefined,
  routeName: string,
  delivery: InboundDelivery,
  secret: string | undefined,
): Promise<IntakeResponse> {
  if (!parser) throw new NotFoundError(`no intake for source '${routeName}'`);
  if (Buffer.byteLength(delivery.body, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const receivedAt = deps.clock.now();
  if (parser.auth.kind !== 'none') {
    if (!secret) throw new UnauthorizedError(`no webhook secret is configured for ${parser.source}`);
    verifySignature(parser.auth, secret, { body: delivery.body, header: delivery.header, now: receivedAt });
  }
  const document = parseJson(delivery.body);
  const outcome = parser.parse(document, { receivedAt, header: delivery.header });
  if ('ignored' in outcome) return { incidentId: null, status: 'ignored', reason: outcome.ignored };
  if (outcome.signals.length === 0)
    return { incidentId: null, status: 'ignored', reason: 'the delivery holds no signals' };

  const rawRef = await archiveDelivery(
    deps.archive,
    parser.source as Source,
    outcome.signals.map((s) => s.deliveryId).join('|'),
    delivery.body,
    receivedAt,
  );
  const answers: IntakeAnswer[] = [];
  for (const signal of outcome.signals) answers.push(await acceptSignal(deps, signal, rawRef));
  const [first] = answers;
  return answers.length === 1 ? first! : { ...first!, incidents: answers };
}
