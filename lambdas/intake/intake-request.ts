import { sha256Hex } from '../core/ids';
import type { Signal } from '../core/incident';
import { dropReason, filterInbound } from '../itsm/inbound-filter';
import { BadRequestError, LumosError, NotFoundError, PayloadTooLargeError, UnauthorizedError } from '../shared/errors';
import { ArchiveUnavailableError, DeliveryDeferredError } from './intake-errors';
import {
  type AcceptedSignal,
  acceptSignalDetailed,
  archiveDelivery,
  type IntakeAnswer,
  type IntakeDeps,
  type IntakeStatus,
} from './intake-service';
import { writeBackReason } from './loop-prevention';
import { prepareSignal } from './prepare-signal';
import { intakeSettings } from './settings';
import { verifySignature } from './signatures';
import type { SourceParser } from './sources/source';

/** Bodies up to 1 MiB are accepted (the spec asks for at least 256 KiB; API Gateway allows 10 MB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/** Signals of one batch (an Alertmanager group) processed side by side; correlation is race-safe. */
const BATCH_CONCURRENCY = 8;

export interface InboundDelivery {
  body: string;
  header(name: string): string | undefined;
}

export interface DeliveryOptions {
  /** `webhook` for `/webhooks/{route}`, `event` for EventBridge events (route = event source). @default 'webhook' */
  channel?: 'webhook' | 'event';
  /**
   * The body comes from Lumos' own raw archive (replay): it was authenticated when it was first received, so the
   * signature (and Zendesk's timestamp freshness) is not checked again.
   */
  trusted?: boolean;
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

/** Which answer speaks for a batch: the most consequential one. */
const PRECEDENCE: IntakeStatus[] = ['created', 'correlated', 'updated', 'resolved', 'duplicate', 'ignored'];

function combine(answers: IntakeAnswer[]): IntakeResponse {
  if (answers.length === 1) return answers[0]!;
  const lead = [...answers].sort(
    (a, b) =>
      PRECEDENCE.indexOf(a.status) - PRECEDENCE.indexOf(b.status) ||
      Number(a.incidentId === null) - Number(b.incidentId === null),
  )[0]!;
  return { ...lead, incidents: answers };
}

async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Stable key of a delivery: the same body always yields the same key (archive object, failed-delivery record). */
export const deliveryKeyOf = (signals: Pick<Signal, 'deliveryId'>[]): string =>
  sha256Hex(
    signals
      .map((s) => s.deliveryId)
      .sort()
      .join('|'),
  );

/**
 * The whole intake path for one delivery, independent of transport: size, authentication, JSON, schema, loop
 * prevention, archive, then one idempotent effect per signal. Bad input throws named errors (401/400/413) before
 * anything is stored. Once archived, a processing failure is recorded as a failed delivery (for replay) and
 * answered 503 so the sender retries; what succeeded stays done and answers `duplicate` next time.
 */
export async function handleDelivery(
  deps: IntakeDeps,
  parser: SourceParser | undefined,
  routeName: string,
  delivery: InboundDelivery,
  secret: string | undefined,
  options: DeliveryOptions = {},
): Promise<IntakeResponse> {
  if (!parser) throw new NotFoundError(`no intake for source '${routeName}'`);
  if (Buffer.byteLength(delivery.body, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const receivedAt = deps.clock.now();
  if (parser.auth.kind !== 'none' && !options.trusted) {
    if (!secret) throw new UnauthorizedError(`no webhook secret is configured for ${parser.source}`);
    verifySignature(parser.auth, secret, { body: delivery.body, header: delivery.header, now: receivedAt });
  }
  const document = parseJson(delivery.body);
  let outcome: ReturnType<SourceParser['parse']>;
  try {
    outcome = parser.parse(document, { receivedAt, header: delivery.header });
  } catch (error) {
    if (error instanceof LumosError) throw error;
    // A parser that trips over a body it did not foresee must still answer as for any unusable body.
    throw new BadRequestError(
      `body could not be read as a ${parser.source} payload: ${(error as Error).message}`,
      'schema_mismatch',
    );
  }
  if ('ignored' in outcome) return { incidentId: null, status: 'ignored', reason: outcome.ignored };

  const settings = deps.settings ?? intakeSettings();
  const signals = outcome.signals.map((signal) => prepareSignal(signal, settings));
  if (signals.length === 0) return { incidentId: null, status: 'ignored', reason: 'the delivery holds no signals' };

  const answers = new Map<Signal, IntakeAnswer>();
  const actionable: Signal[] = [];
  const dropped: string[] = [];
  for (const signal of signals) {
    const loop = writeBackReason(signal, settings);
    // Spam, automatic replies and out-of-office messages are dropped with their reason (lambdas/itsm/inbound-filter).
    const inbound = loop ? undefined : filterInbound(signal);
    if (loop) answers.set(signal, { incidentId: null, status: 'ignored', reason: loop });
    else if (inbound && !inbound.keep) {
      answers.set(signal, { incidentId: null, status: 'ignored', reason: dropReason(inbound) });
      dropped.push(dropReason(inbound));
    } else actionable.push(signal);
  }
  const channel = options.channel ?? 'webhook';
  if (dropped.length > 0) {
    // Archived with the reason in its metadata, so what the filter threw away can be reviewed (and replayed).
    await archiveDelivery(
      deps.archive,
      parser.source,
      `dropped:${sha256Hex(delivery.body)}`,
      delivery.body,
      receivedAt,
      {
        channel,
        route: routeName,
        dropped: dropped
          .join('; ')
          .replace(/[^\x20-\x7e]/g, '?')
          .slice(0, 1024),
      },
    ).catch(() => undefined);
  }
  if (actionable.length === 0) return combine(signals.map((s) => answers.get(s)!));

  const deliveryKey = deliveryKeyOf(actionable);
  let rawRef: string;
  try {
    rawRef = await archiveDelivery(deps.archive, parser.source, deliveryKey, delivery.body, receivedAt, {
      channel,
      route: routeName,
    });
  } catch (error) {
    throw new ArchiveUnavailableError(
      `the delivery could not be archived, so it was not accepted: ${(error as Error).message}`,
    );
  }

  const results = await mapLimited(actionable, BATCH_CONCURRENCY, (signal) =>
    acceptSignalDetailed(deps, signal, rawRef).then(
      (accepted): AcceptedSignal | { error: unknown } => accepted,
      (error: unknown) => ({ error }),
    ),
  );
  const failures = results.filter((r): r is { error: unknown } => 'error' in r);
  if (failures.length > 0) {
    const error = failures.map((f) => (f.error instanceof Error ? f.error.message : String(f.error))).join('; ');
    await deps.store
      .recordFailedDelivery({
        source: parser.source,
        channel,
        route: routeName,
        deliveryKey,
        rawRef,
        receivedAt: receivedAt.toISOString(),
        failedAt: deps.clock.now().toISOString(),
        error: error.slice(0, 2000),
      })
      .catch(() => undefined);
    throw new DeliveryDeferredError(
      `${failures.length} of ${actionable.length} signal(s) could not be processed yet; the delivery is archived and will be retried or replayed`,
    );
  }
  const accepted = results as AcceptedSignal[];
  if (options.trusted || accepted.some((r) => r.attempt > 1)) {
    await deps.store.clearFailedDelivery(parser.source, deliveryKey).catch(() => undefined);
  }
  actionable.forEach((signal, i) => {
    answers.set(signal, accepted[i]!.answer);
  });
  return combine(signals.map((s) => answers.get(s)!));
}
