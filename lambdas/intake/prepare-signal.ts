import { sha256Hex } from '../core/ids';
import { Signal } from '../core/incident';
import { mapFromEntries, ownValue } from '../core/label-map';
import { BadRequestError } from '../shared/errors';
import { resolveService } from './service-map';
import type { IntakeSettings } from './settings';

/**
 * Limits that keep one incident item well inside DynamoDB's 400 KB whatever a delivery holds (text fields in UTF-8
 * bytes, so four-byte characters cannot multiply them); the raw delivery in the archive keeps everything. At
 * creation intake writes at most about 80 KB: description 32 KiB, labels 32 KiB, the rest a few KiB.
 */
export const SIGNAL_LIMITS = {
  /** Characters. */
  title: 300,
  descriptionBytes: 32 * 1024,
  /** At most this many labels are kept; the count of the others is kept under {@link OMITTED_LABELS_KEY}. */
  labels: 100,
  /** Keys and values of all kept labels together. */
  labelsBytes: 32 * 1024,
  /** Longer keys keep a readable head and a hash of the whole key, so distinct keys stay distinct. */
  labelKeyBytes: 256,
  labelValueBytes: 1024,
  hints: 20,
  hint: 256,
  correlationKeys: 10,
  actors: 10,
  noteBytes: 8 * 1024,
  /** External ids are shown and used to address the ticket; no real system's id comes near this. */
  externalIdBytes: 512,
  /** A link longer than this is not a usable link and is left out. */
  urlBytes: 2048,
  reporterBytes: 256,
  severityLabelBytes: 64,
} as const;

/** Label under which the number of labels left out of an oversized map is kept. */
export const OMITTED_LABELS_KEY = 'lumos.omittedLabels';

/** Labels intake and the agents read, kept first when a sender sends more labels than fit. */
const KEY_LABELS = new Set([
  'alertname',
  'alertStatus',
  'severity',
  'priority',
  'level',
  'service',
  'service_name',
  'app',
  'app_kubernetes_io_name',
  'application',
  'job',
  'namespace',
  'instance',
  'status',
  'category',
  'subcategory',
  'issueType',
  'ticketType',
  'requestType',
  'assignmentGroup',
  'receiver',
  'sender',
  'truncatedAlerts',
  'tags',
]);

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Text as well-formed Unicode: JSON may carry lone surrogate escapes (`"\ud800"`), which cannot be encoded as UTF-8
 * and which stores refuse; each becomes U+FFFD.
 */
export const wellFormed = (text: string): string => text.replace(LONE_SURROGATE, '\uFFFD');

const byteLength = (text: string) => Buffer.byteLength(text, 'utf8');
const utf8Bytes = (codePoint: number) => (codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4);

/** The longest head of `text` within `maxBytes` UTF-8 bytes, never splitting a character. */
function headWithin(text: string, maxBytes: number): string {
  let bytes = 0;
  let end = 0;
  for (const character of text) {
    bytes += utf8Bytes(character.codePointAt(0)!);
    if (bytes > maxBytes) break;
    end += character.length;
  }
  return text.slice(0, end);
}

/** `text` within `maxBytes` UTF-8 bytes; a cut one ends with an ellipsis. */
export function cutBytes(text: string, maxBytes: number): string {
  if (byteLength(text) <= maxBytes) return text;
  return `${headWithin(text, maxBytes - 3)}…`;
}

/** `text` within `max` characters (code points), never splitting a surrogate pair; a cut one ends with an ellipsis. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let count = 0;
  let end = 0;
  for (const character of text) {
    if (++count >= max) break;
    end += character.length;
  }
  return end >= text.length ? text : `${text.slice(0, end)}…`;
}

/**
 * Identities (fingerprints, group keys) stay as they are up to 512 bytes; longer ones keep a readable head and a
 * hash of the whole, deterministically, so they still correlate and fit DynamoDB key limits.
 */
export function boundedKey(key: string): string {
  if (byteLength(key) <= 512) return key;
  return `${headWithin(key, 360)}…#${sha256Hex(key)}`;
}

/** A label key within its limit: long ones keep a head and a hash of the whole key (distinct keys stay distinct). */
function boundedLabelKey(key: string): string {
  if (byteLength(key) <= SIGNAL_LIMITS.labelKeyBytes) return key;
  return `${headWithin(key, SIGNAL_LIMITS.labelKeyBytes - 24)}…#${sha256Hex(key).slice(0, 16)}`;
}

/**
 * A sender's labels within the limits ({@link SIGNAL_LIMITS}): every key kept as itself (`constructor`, `__proto__`,
 * empty), long keys and values shortened, and beyond {@link SIGNAL_LIMITS.labels} labels or
 * {@link SIGNAL_LIMITS.labelsBytes} bytes the rest left out, their count under {@link OMITTED_LABELS_KEY}. Labels
 * Lumos reads (`alertname`, `severity`, `service`, ...) are kept first.
 */
export function boundLabels(labels: Readonly<Record<string, string>>, alreadyOmitted = 0): Record<string, string> {
  const entries = Object.entries(labels).filter(([key]) => key !== OMITTED_LABELS_KEY);
  const ordered =
    entries.length <= SIGNAL_LIMITS.labels
      ? entries
      : [...entries.filter(([key]) => KEY_LABELS.has(key)), ...entries.filter(([key]) => !KEY_LABELS.has(key))];
  const kept: [string, string][] = [];
  let bytes = 0;
  for (const [key, value] of ordered) {
    if (kept.length >= SIGNAL_LIMITS.labels) break;
    const boundedKeyText = boundedLabelKey(wellFormed(key));
    const boundedValue = cutBytes(wellFormed(String(value)), SIGNAL_LIMITS.labelValueBytes);
    const size = byteLength(boundedKeyText) + byteLength(boundedValue);
    if (bytes + size > SIGNAL_LIMITS.labelsBytes) continue;
    kept.push([boundedKeyText, boundedValue]);
    bytes += size;
  }
  const omitted = alreadyOmitted + entries.length - kept.length;
  if (omitted > 0) kept.push([OMITTED_LABELS_KEY, String(omitted)]);
  return mapFromEntries(kept);
}

/**
 * An incident's labels after an update: the update's labels win, the incident's others stay while they fit, all
 * within the same limits as at creation (so updates never grow the item without bound).
 */
export function mergeLabels(
  current: Readonly<Record<string, string>>,
  update: Readonly<Record<string, string>>,
): Record<string, string> {
  const incoming = Object.entries(update).filter(([key]) => key !== OMITTED_LABELS_KEY);
  const carried = Object.entries(current).filter(([key]) => key !== OMITTED_LABELS_KEY && !Object.hasOwn(update, key));
  const omitted = Number(ownValue(update, OMITTED_LABELS_KEY) ?? 0) || 0;
  return boundLabels(mapFromEntries([...incoming, ...carried]), omitted);
}

/** Severity labels that say only "something is wrong", leaving room for the service map's priority. */
const GENERIC_LABELS = new Set(['alarm', 'firing', 'alerting', 'triggered', 'problem']);

/** Optional text made well-formed and bounded; empty stays empty. */
const text = (value: string | undefined, maxBytes: number) =>
  value === undefined ? undefined : cutBytes(wellFormed(value), maxBytes);

function bounded(signal: Signal): Signal {
  const list = (values: string[] | undefined, count: number, size: number) =>
    values
      ? [
          ...new Set(
            values
              .filter((v) => typeof v === 'string' && v.trim() !== '')
              .map((v) => cutBytes(wellFormed(v.trim()), size)),
          ),
        ].slice(0, count)
      : undefined;
  const fingerprint = boundedKey(wellFormed(signal.fingerprint));
  const url = signal.externalUrl === undefined ? undefined : wellFormed(signal.externalUrl.trim());
  const severityLabel = text(signal.severity.label, SIGNAL_LIMITS.severityLabelBytes);
  return {
    ...signal,
    fingerprint,
    deliveryId: boundedKey(wellFormed(signal.deliveryId)),
    externalId: cutBytes(wellFormed(signal.externalId), SIGNAL_LIMITS.externalIdBytes),
    externalUrl: url && byteLength(url) <= SIGNAL_LIMITS.urlBytes ? url : undefined,
    title: cut(wellFormed(signal.title).replace(/\s+/g, ' ').trim(), SIGNAL_LIMITS.title),
    description: cutBytes(wellFormed(signal.description ?? ''), SIGNAL_LIMITS.descriptionBytes),
    severity: { ...signal.severity, label: severityLabel || undefined },
    reporter: text(signal.reporter, SIGNAL_LIMITS.reporterBytes),
    labels: boundLabels(signal.labels ?? {}),
    service: signal.service?.trim() ? cutBytes(wellFormed(signal.service.trim()), SIGNAL_LIMITS.hint) : undefined,
    serviceHints: list(signal.serviceHints, SIGNAL_LIMITS.hints, SIGNAL_LIMITS.hint),
    correlationKeys: list(signal.correlationKeys, SIGNAL_LIMITS.correlationKeys, Number.POSITIVE_INFINITY)
      ?.map(boundedKey)
      .filter((k) => k !== fingerprint),
    changedBy: list(signal.changedBy, SIGNAL_LIMITS.actors, SIGNAL_LIMITS.hint),
    changeNote: text(signal.changeNote, SIGNAL_LIMITS.noteBytes),
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
