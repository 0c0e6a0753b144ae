import { sha256Hex } from '../core/ids';
import { Signal } from '../core/incident';
import { BadRequestError } from '../shared/errors';
import { resolveService } from './service-map';
import type { IntakeSettings } from './settings';

/** Limits that keep one incident item well inside DynamoDB's 400 KB; the raw delivery keeps everything. */
export const SIGNAL_LIMITS = {
  title: 300,
  description: 32 * 1024,
  labels: 50,
  labelKey: 128,
  labelValue: 1024,
  hints: 20,
  hint: 256,
  correlationKeys: 10,
  actors: 10,
  note: 8 * 1024,
} as const;

const cut = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * Identities (fingerprints, group keys) stay as they are up to 512 bytes; longer ones keep a readable head and a
 * hash of the whole, deterministically, so they still correlate and fit DynamoDB key limits.
 */
export function boundedKey(key: string): string {
  if (Buffer.byteLength(key, 'utf8') <= 512) return key;
  return `${key.slice(0, 120)}…#${sha256Hex(key)}`;
}

/** Severity labels that say only "something is wrong", leaving room for the service map's priority. */
const GENERIC_LABELS = new Set(['alarm', 'firing', 'alerting', 'triggered', 'problem']);

function bounded(signal: Signal): Signal {
  const labels = Object.fromEntries(
    Object.entries(signal.labels ?? {})
      .slice(0, SIGNAL_LIMITS.labels)
      .map(([k, v]) => [cut(k, SIGNAL_LIMITS.labelKey), cut(String(v), SIGNAL_LIMITS.labelValue)]),
  );
  const list = (values: string[] | undefined, count: number, size: number) =>
    values
      ? [
          ...new Set(values.filter((v) => typeof v === 'string' && v.trim() !== '').map((v) => cut(v.trim(), size))),
        ].slice(0, count)
      : undefined;
  const fingerprint = boundedKey(signal.fingerprint);
  return {
    ...signal,
    fingerprint,
    deliveryId: boundedKey(signal.deliveryId),
    externalId: cut(signal.externalId, SIGNAL_LIMITS.hint * 2),
    title: cut(signal.title.replace(/\s+/g, ' ').trim(), SIGNAL_LIMITS.title),
    description: cut(signal.description ?? '', SIGNAL_LIMITS.description),
    labels,
    service: signal.service?.trim() ? cut(signal.service.trim(), SIGNAL_LIMITS.hint) : undefined,
    serviceHints: list(signal.serviceHints, SIGNAL_LIMITS.hints, SIGNAL_LIMITS.hint),
    correlationKeys: list(signal.correlationKeys, SIGNAL_LIMITS.correlationKeys, Number.POSITIVE_INFINITY)
      ?.map(boundedKey)
      .filter((k) => k !== fingerprint),
    changedBy: list(signal.changedBy, SIGNAL_LIMITS.actors, SIGNAL_LIMITS.hint),
    changeNote: signal.changeNote === undefined ? undefined : cut(signal.changeNote, SIGNAL_LIMITS.note),
  };
}

/**
 * Makes a parser's signal safe and canonical before anything is stored: sizes bounded, the service named by the
 * service map (whose priority applies when the source states none of its own), and the whole signal validated
 * against the canonical model, so a parser's gap can never store a half-formed incident: it answers 400 instead.
 */
export function prepareSignal(raw: Signal, settings: Pick<IntakeSettings, 'serviceMap'>): Signal {
  const checked = Signal.safeParse(raw);
  if (!checked.success) {
    const issue = checked.error.issues[0]!;
    const field = issue.path.map(String).join('.') || undefined;
    throw new BadRequestError(
      `the delivery does not describe a usable signal: ${field ? `${field}: ` : ''}${issue.message}`,
      'schema_mismatch',
      field,
    );
  }
  const signal = bounded(checked.data);
  if (!signal.title) throw new BadRequestError('the delivery has no usable title', 'schema_mismatch', 'title');
  const resolution = resolveService(settings.serviceMap, signal.service, signal.serviceHints);
  const severity = { ...signal.severity };
  const labels = { ...signal.labels };
  const ownPriority =
    (severity.impact && severity.urgency) ||
    severity.priority ||
    (severity.label && !GENERIC_LABELS.has(severity.label.toLowerCase()));
  if (resolution.priority && !ownPriority) {
    severity.priority = resolution.priority;
    labels.priorityFrom = 'service-map';
  }
  if (resolution.matched && resolution.service !== signal.service) labels.serviceAlias = resolution.matched;
  return { ...signal, service: resolution.service, severity, labels };
}
