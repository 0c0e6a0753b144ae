import type { z } from 'zod';
import type { Signal, Source } from '../../core/incident';
import { BadRequestError } from '../../shared/errors';
import type { AuthScheme } from '../signatures';

/** What a source parser makes of one delivery: signals to act on, or a reason there is nothing to do. */
export type ParseOutcome = { signals: Signal[] } | { ignored: string };

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

/** Validates with zod and turns the first issue into a 400 that names the field. */
export function validate<T extends z.ZodType>(schema: T, body: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const field = issue.path.map(String).join('.') || undefined;
  throw new BadRequestError(`${what}: ${field ? `${field}: ` : ''}${issue.message}`, 'schema_mismatch', field);
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
