import type { Source } from '../core/incident';
import type { FailedDelivery } from '../ports/incident-store';
import { LumosError } from '../shared/errors';
import { handleDelivery, type IntakeResponse } from './intake-request';
import type { IntakeDeps } from './intake-service';
import { eventParserFor, webhookParserFor } from './sources';

/** A raw delivery as the archive keeps it: its body and where it came in. */
export interface ArchivedDelivery {
  /** Where the body is (`file://...`, `s3://...`), for the report. */
  ref: string;
  channel: 'webhook' | 'event';
  /** Webhook route name, or the EventBridge `source` of an event. */
  route: string;
  body: string;
}

/** Reads raw bodies back from wherever the archive put them (the files under LUMOS_HOME, or S3). */
export interface RawReader {
  read(ref: string): Promise<string>;
}

export interface ReplayOutcome {
  ref: string;
  route: string;
  /** The intake's answer, or the error that stopped the delivery again. */
  answer?: IntakeResponse;
  error?: { statusCode?: number; message: string };
}

/**
 * Where an archived body belongs when its metadata does not say: an EventBridge event carries `detail-type` and
 * `source`; anything else came through `/webhooks/<source>`.
 */
export function routeOf(source: string, body: string, metadata: Record<string, string | undefined> = {}) {
  if (metadata.channel === 'event' || metadata.channel === 'webhook') {
    return { channel: metadata.channel, route: metadata.route ?? source } as const;
  }
  try {
    const parsed = JSON.parse(body) as { 'detail-type'?: unknown; source?: unknown };
    if (parsed && typeof parsed['detail-type'] === 'string' && typeof parsed.source === 'string') {
      return { channel: 'event', route: parsed.source } as const;
    }
  } catch {
    // Not JSON: it was refused when it came in and never archived; treat it as a webhook body.
  }
  return { channel: 'webhook', route: source } as const;
}

/**
 * Re-drives one archived delivery through the same intake core that received it. The body is trusted (it was
 * authenticated when first received, and the archive is Lumos' own), so signatures are not checked again; the
 * idempotency records make a replay of something already processed answer `duplicate`.
 */
export async function replayDelivery(deps: IntakeDeps, delivery: ArchivedDelivery): Promise<ReplayOutcome> {
  const parser = delivery.channel === 'event' ? eventParserFor(delivery.route) : webhookParserFor(delivery.route);
  try {
    const answer = await handleDelivery(
      deps,
      parser,
      delivery.route,
      { body: delivery.body, header: () => undefined },
      undefined,
      { channel: delivery.channel, trusted: true },
    );
    return { ref: delivery.ref, route: delivery.route, answer };
  } catch (error) {
    const statusCode = error instanceof LumosError ? error.statusCode : undefined;
    return { ref: delivery.ref, route: delivery.route, error: { statusCode, message: (error as Error).message } };
  }
}

/**
 * Re-drives every recorded failed delivery (optionally of one source). A delivery that now succeeds clears its
 * record; one that fails again keeps it (with its attempt count raised) for the next run.
 */
export async function replayFailedDeliveries(
  deps: IntakeDeps,
  reader: RawReader,
  options: { source?: Source; limit?: number; dryRun?: boolean } = {},
): Promise<ReplayOutcome[]> {
  const failed: FailedDelivery[] = await deps.store.listFailedDeliveries({
    source: options.source,
    limit: options.limit,
  });
  const outcomes: ReplayOutcome[] = [];
  for (const record of failed) {
    if (options.dryRun) {
      outcomes.push({ ref: record.rawRef, route: record.route });
      continue;
    }
    let body: string;
    try {
      body = await reader.read(record.rawRef);
    } catch (error) {
      outcomes.push({
        ref: record.rawRef,
        route: record.route,
        error: { message: `cannot read ${record.rawRef}: ${(error as Error).message}` },
      });
      continue;
    }
    outcomes.push(
      await replayDelivery(deps, { ref: record.rawRef, channel: record.channel, route: record.route, body }),
    );
  }
  return outcomes;
}
