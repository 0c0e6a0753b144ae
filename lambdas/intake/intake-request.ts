// The JSON body checks live in their own module (the local /events route uses them too).
export { eventBody, MAX_BODY_BYTES, MAX_JSON_DEPTH, parseEventBody, parseJson, tooDeepAt } from './json-body';

import { sha256Hex } from '../core/ids';
import type { Signal } from '../core/incident';
import { isPlainRecord } from '../core/label-map';
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
import { MAX_BODY_BYTES, parseJson } from './json-body';
import { writeBackReason } from './loop-prevention';
import { prepareSignal } from './prepare-signal';
import { type IntakeSettings, intakeSettings } from './settings';
import { verifySignature } from './signatures';
import type { BatchItem, SourceParser } from './sources/source';

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

/** A batch entry refused on its own: where it sits in the body and why (the same shape as a 400's `error`). */
export interface RefusedItem {
  index: number;
  error: { code: string; message: string; field?: string };
}

/**
 * The answer to a delivery. A batch (Alertmanager, Grafana, generic `signals`) answers for its lead entry and lists
 * every entry: `incidents` (accepted ones, each with its `index` in the body's list) and `refused`.
 */
export type IntakeResponse = IntakeAnswer & { incidents?: IntakeAnswer[]; refused?: RefusedItem[] };

/** Which answer speaks for a batch: the most consequential one. */
const PRECEDENCE: IntakeStatus[] = ['created', 'correlated', 'updated', 'resolved', 'duplicate', 'ignored'];

function leadOf(answers: IntakeAnswer[]): IntakeAnswer {
  const { index: _index, ...lead } = [...answers].sort(
    (a, b) =>
      PRECEDENCE.indexOf(a.status) - PRECEDENCE.indexOf(b.status) ||
      Number(a.incidentId === null) - Number(b.incidentId === null),
  )[0]!;
  return lead;
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

/** Untrusted text quoted in a message: short, printable. */
const quote = (text: string) => text.replace(/[^\x20-\x7e]/g, '?').slice(0, 100);

/** One entry of a delivery on its way through: its position, then its signal, its answer or why it was refused. */
interface Entry {
  index: number;
  signal?: Signal;
  answer?: IntakeAnswer;
  refused?: BadRequestError;
}

/** Entries of a parser's outcome, each signal made safe ({@link prepareSignal}); batch entries are refused alone. */
function entriesOf(
  outcome: { signals: Signal[] } | { items: BatchItem[]; list: string },
  settings: IntakeSettings,
): Entry[] {
  const batch = 'items' in outcome ? outcome : undefined;
  const items: BatchItem[] = 'items' in outcome ? outcome.items : outcome.signals.map((signal) => ({ signal }));
  return items.map((item, index): Entry => {
    if ('refused' in item) return { index, refused: item.refused };
    if ('ignored' in item) return { index, answer: { incidentId: null, status: 'ignored', reason: item.ignored } };
    try {
      return { index, signal: prepareSignal(item.signal, settings) };
    } catch (error) {
      if (!batch || !(error instanceof BadRequestError)) throw error;
      const at = `${batch.list}.${index}`;
      return { index, refused: new BadRequestError(`${at}: ${error.message}`, error.code, at) };
    }
  });
}

/**
 * The answer for a delivery's entries. A single signal answers for itself. A batch answers for its lead entry and
 * lists `incidents` (every accepted entry, with its `index`) and `refused` (every refused one, with its error);
 * when nothing in it was accepted, the whole delivery is a 400 naming the first refusal.
 */
function respond(entries: Entry[], list: string | undefined): IntakeResponse {
  const answers = entries
    .filter((e) => e.answer)
    .map((e) => (list === undefined ? e.answer! : { ...e.answer!, index: e.index }));
  const refused: RefusedItem[] = entries
    .filter((e) => e.refused)
    .map((e) => ({
      index: e.index,
      error: {
        code: e.refused!.code,
        message: e.refused!.message,
        ...(e.refused!.field ? { field: e.refused!.field } : {}),
      },
    }));
  if (answers.length === 0) {
    const first = entries.find((e) => e.refused)?.refused;
    if (!first) return { incidentId: null, status: 'ignored', reason: 'the delivery holds no signals' };
    const more = refused.length > 3 ? `; and ${refused.length - 3} more` : '';
    throw new BadRequestError(
      `every entry of ${list} was refused: ${refused
        .slice(0, 3)
        .map((r) => r.error.message)
        .join('; ')}${more}`,
      first.code,
      first.field,
    );
  }
  if (answers.length === 1 && refused.length === 0) {
    return list === undefined ? answers[0]! : { ...leadOf(answers), incidents: answers };
  }
  return { ...leadOf(answers), incidents: answers, ...(refused.length > 0 ? { refused } : {}) };
}

/**
 * The whole intake path for one delivery, independent of transport: size, authentication, JSON, schema, loop
 * prevention, archive, then one idempotent effect per signal. Bad input throws named errors (401/400/413) before
 * anything is stored; in a batch, a bad entry is refused on its own and listed in the answer while the others
 * count. Once archived, a processing failure is recorded as a failed delivery (for replay) and answered 503 so the
 * sender retries; what succeeded stays done and answers `duplicate` next time.
 */
export async function handleDelivery(
  deps: IntakeDeps,
  parser: SourceParser | undefined,
  routeName: string,
  delivery: InboundDelivery,
  secret: string | undefined,
  options: DeliveryOptions = {},
): Promise<IntakeResponse> {
  const channel = options.channel ?? 'webhook';
  if (!parser) {
    // An event's source is part of its body (400); a webhook's source is its route (404: no such route).
    if (channel === 'event') {
      throw new BadRequestError(
        `no intake for event source '${quote(routeName)}' (known: aws.cloudwatch, aws.monitoring, aws.partner/zendesk.com/...)`,
        'unknown_source',
        'source',
      );
    }
    throw new NotFoundError(`no intake for source '${quote(routeName)}'`);
  }
  if (Buffer.byteLength(delivery.body, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const receivedAt = deps.clock.now();
  if (parser.auth.kind !== 'none' && !options.trusted) {
    if (!secret) throw new UnauthorizedError(`no webhook secret is configured for ${parser.source}`);
    verifySignature(parser.auth, secret, { body: delivery.body, header: delivery.header, now: receivedAt });
  }
  const document = parseJson(delivery.body);
  if (!isPlainRecord(document)) {
    throw new BadRequestError(
      `expected a JSON object, got ${Array.isArray(document) ? 'an array' : document === null ? 'null' : `a ${typeof document}`}`,
      'invalid_body',
    );
  }
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
  const list = 'items' in outcome ? outcome.list : undefined;

  const settings = deps.settings ?? intakeSettings();
  const entries = entriesOf(outcome, settings);
  const actionable: Entry[] = [];
  const dropped: string[] = [];
  for (const entry of entries) {
    const signal = entry.signal;
    if (!signal) continue;
    const loop = writeBackReason(signal, settings);
    // Spam, automatic replies and out-of-office messages are dropped with their reason (lambdas/itsm/inbound-filter).
    const inbound = loop ? undefined : filterInbound(signal);
    if (loop) entry.answer = { incidentId: null, status: 'ignored', reason: loop };
    else if (inbound && !inbound.keep) {
      entry.answer = { incidentId: null, status: 'ignored', reason: dropReason(inbound) };
      dropped.push(dropReason(inbound));
    } else actionable.push(entry);
  }
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
        dropped: dropped.join('; '),
      },
    ).catch(() => undefined);
  }
  if (actionable.length === 0) return respond(entries, list);

  const signals = actionable.map((entry) => entry.signal!);
  const deliveryKey = deliveryKeyOf(signals);
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

  const results = await mapLimited(signals, BATCH_CONCURRENCY, (signal) =>
    acceptSignalDetailed(deps, signal, rawRef).then(
      (accepted): AcceptedSignal | { error: unknown } => accepted,
      (error: unknown) => ({ error }),
    ),
  );
  const failed = results.flatMap((result, i) =>
    'error' in result ? [{ entry: actionable[i]!, error: result.error }] : [],
  );
  if (failed.length > 0) {
    const error = failed.map((f) => (f.error instanceof Error ? f.error.message : String(f.error))).join('; ');
    await deps.store
      .recordFailedDelivery({
        source: parser.source,
        channel,
        route: quote(routeName),
        deliveryKey,
        rawRef,
        receivedAt: receivedAt.toISOString(),
        failedAt: deps.clock.now().toISOString(),
        error: error.slice(0, 2000),
      })
      .catch(() => undefined);
    const which = list === undefined ? '' : ` (${list} ${failed.map((f) => f.entry.index).join(', ')})`;
    throw new DeliveryDeferredError(
      `${failed.length} of ${actionable.length} signal(s)${which} could not be processed yet; the others are done; the delivery is archived and will be retried or replayed (done ones then answer duplicate)`,
      failed.map((f) => (f.error instanceof Error ? `${f.error.name}: ${f.error.message}` : String(f.error))),
    );
  }
  const accepted = results as AcceptedSignal[];
  if (options.trusted || accepted.some((r) => r.attempt > 1)) {
    await deps.store.clearFailedDelivery(parser.source, deliveryKey).catch(() => undefined);
  }
  actionable.forEach((entry, i) => {
    entry.answer = accepted[i]!.answer;
  });
  return respond(entries, list);
}
