import * as z from 'zod';
import type { Signal, Source } from '../../core/incident';
import { isPlainRecord, mapFromEntries } from '../../core/label-map';
import { BadRequestError } from '../../shared/errors';
import type { AuthScheme } from '../signatures';

/**
 * One entry of a batch delivery (an alert of an Alertmanager or Grafana notification, a signal of a generic batch),
 * judged on its own: a signal to act on, a reason there is nothing to do, or why it was refused (400-style).
 */
export type BatchItem = { signal: Signal } | { ignored: string } | { refused: BadRequestError };

/**
 * What a source parser makes of one delivery: signals to act on, a reason there is nothing to do, or, for batches,
 * one {@link BatchItem} per entry of the body's `list` (in order), so one bad entry does not sink the others.
 */
export type ParseOutcome = { signals: Signal[] } | { ignored: string } | { items: BatchItem[]; list: string };

export interface ParseContext {
  receivedAt: Date;
  header(name: string): string | undefined;
}

/** One inbound source: how it authenticates and how its payload becomes canonical signals. */
export interface SourceParser {
  readonly source: Source;
  readonly auth: AuthScheme;
  /** `body` is already JSON-parsed; throws BadRequestError naming the offending field. */
  parse(body: unknown, context: ParseContext): ParseOutcome;
}

/**
 * Validates with zod and turns the first issue into a 400 that names the field; `at` is where `body` sits in the
 * delivery (`['alerts', 3]`), so the field named is a path into the whole body.
 */
export function validate<T extends z.ZodType>(
  schema: T,
  body: unknown,
  what: string,
  at: readonly (string | number)[] = [],
): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = [...at, ...issue.path].map(String).join('.') || undefined;
  throw new BadRequestError(`${what}: ${field ? `${field}: ` : ''}${issue.message}`, 'schema_mismatch', field);
}

/**
 * Judges one batch entry (at `field`, e.g. `alerts.3`): what `judge` returns (a signal, or a reason to ignore it), or
 * why it was refused. An entry the parser trips over is refused like any unusable entry, never failing the batch.
 */
export function batchItem(field: string, judge: () => Signal | { ignored: string }): BatchItem {
  try {
    const outcome = judge();
    return 'ignored' in outcome ? outcome : { signal: outcome };
  } catch (error) {
    if (error instanceof BadRequestError) return { refused: error };
    const message = error instanceof Error ? error.message : String(error);
    return { refused: new BadRequestError(`${field} could not be read: ${message}`, 'schema_mismatch', field) };
  }
}

/** First non-empty line, trimmed to a title-sized length. */
export function firstLine(text: string | undefined, max = 160): string | undefined {
  const line = text
    ?.split(/\r?\n/)
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (!line) return undefined;
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** An identifier sources send as a string or a number (`"10400"` or `10400`), as a non-empty string. */
export const IdLike = z.union([z.string().trim().min(1), z.number().finite()]).transform(String);

/** Timestamps outside this range are treated as absent (`0001-01-01T00:00:00Z` means "not set" in Alertmanager). */
const EARLIEST = Date.UTC(1971, 0, 1);
const LATEST = Date.UTC(2200, 0, 1);

/**
 * A source timestamp as ISO 8601 UTC: ISO strings with any fraction or `+0000`-style offsets, epoch milliseconds
 * (Jira), or the fallback (receipt time) when missing or implausible.
 */
export function isoTime(value: string | number | null | undefined, fallback: Date): string {
  let ms = Number.NaN;
  if (typeof value === 'number') ms = value;
  else if (typeof value === 'string' && value.trim() && /\d{4}-\d{2}-\d{2}/.test(value)) {
    ms = Date.parse(value.trim().replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  }
  return Number.isFinite(ms) && ms >= EARLIEST && ms <= LATEST ? new Date(ms).toISOString() : fallback.toISOString();
}

/**
 * Plain text of a field that is either text or an Atlassian Document Format tree (Jira Cloud REST v3 bodies);
 * anything else yields ''. Block nodes end with a line break so paragraphs stay apart.
 */
export function plainText(value: unknown, depth = 0): string {
  if (typeof value === 'string') return value;
  if (depth > 50 || !value || typeof value !== 'object') return '';
  if (Array.isArray(value)) return value.map((v) => plainText(v, depth + 1)).join('');
  const node = value as { type?: unknown; text?: unknown; content?: unknown };
  if (typeof node.text === 'string') return node.text;
  const inner = plainText(node.content, depth + 1);
  return ['paragraph', 'heading', 'listItem', 'codeBlock', 'blockquote'].includes(String(node.type))
    ? `${inner}\n`
    : inner;
}

/** String values only, trimmed, without empties or duplicates. */
export function names(...values: unknown[]): string[] {
  const out = new Set<string>();
  for (const value of values.flat()) {
    if (typeof value === 'string' && value.trim()) out.add(value.trim());
    else if (typeof value === 'number' && Number.isFinite(value)) out.add(String(value));
  }
  return [...out];
}

/** The origin (`https://host`) of a URL, or undefined when it is not an http(s) URL. */
export function originOf(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.origin : undefined;
  } catch {
    return undefined;
  }
}

/** A value as label text: strings as they are, anything else as its JSON. */
const labelText = (value: unknown): string => (typeof value === 'string' ? value : (JSON.stringify(value) ?? ''));

/**
 * A sender's map (labels, annotations, tags) with values as text: Prometheus labels are strings, other senders are
 * lenient. Every key is kept as itself (`constructor`, `__proto__`, empty: see core/label-map.ts); null values are
 * dropped.
 */
export const StringRecord = z
  .custom<Record<string, unknown>>(isPlainRecord, { message: 'expected an object of names and values' })
  .transform((record) =>
    mapFromEntries(
      Object.entries(record)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => [k, labelText(v)] as const),
    ),
  );

/** Like {@link StringRecord}, but only text, numbers and booleans are accepted as values (Lumos' own format). */
export const ScalarRecord = z
  .custom<Record<string, string | number | boolean>>(
    (value) =>
      isPlainRecord(value) &&
      Object.values(value).every((v) => typeof v === 'string' || typeof v === 'boolean' || Number.isFinite(v)),
    { message: 'expected an object whose values are text, numbers or booleans' },
  )
  .transform((record) => mapFromEntries(Object.entries(record).map(([k, v]) => [k, String(v)] as const)));
