import { isPlainRecord } from '../core/label-map';
import { BadRequestError, PayloadTooLargeError } from '../shared/errors';

/** Bodies up to 1 MiB are accepted (the spec asks for at least 256 KiB; API Gateway allows 10 MB). */
export const MAX_BODY_BYTES = 1024 * 1024;

/**
 * JSON nested deeper than this is refused (400 `too_deep`). Real payloads stay far below it (Jira's document trees
 * nest about a dozen levels); the limit keeps every recursive step after parsing (serialising an event, copying a
 * label value) well inside the stack.
 */
export const MAX_JSON_DEPTH = 64;

/** Where the first value nested deeper than `max` sits (`a.0.b`), or undefined; iterative, so any depth is safe. */
export function tooDeepAt(value: unknown, max = MAX_JSON_DEPTH): string | undefined {
  const stack: { value: unknown; depth: number; path: string }[] = [{ value, depth: 0, path: '' }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    if (node.value === null || typeof node.value !== 'object') continue;
    if (node.depth >= max) return node.path || '(root)';
    for (const [key, child] of Object.entries(node.value)) {
      stack.push({ value: child, depth: node.depth + 1, path: node.path ? `${node.path}.${key}` : key });
    }
  }
  return undefined;
}

/**
 * Parses a delivery's JSON: empty bodies, syntax errors (with the position) and nesting deeper than
 * {@link MAX_JSON_DEPTH} are 400s; a leading byte-order mark is tolerated.
 */
export function parseJson(body: string): unknown {
  const text = body.charCodeAt(0) === 0xfeff ? body.slice(1) : body;
  if (text.trim() === '') throw new BadRequestError('body is empty; expected a JSON document', 'invalid_json');
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch (error) {
    throw new BadRequestError(`body is not valid JSON: ${(error as Error).message}`, 'invalid_json');
  }
  const deep = tooDeepAt(document);
  if (deep) {
    throw new BadRequestError(
      `body nests deeper than ${MAX_JSON_DEPTH} levels (at ${deep.slice(0, 200)})`,
      'too_deep',
      deep.slice(0, 200),
    );
  }
  return document;
}

/**
 * One EventBridge event posted as JSON (the local `/events` stand-in): the same size, JSON and depth checks as a
 * webhook body, and it must be one event object.
 */
export function parseEventBody(body: string): Record<string, unknown> {
  if (Buffer.byteLength(body, 'utf8') > MAX_BODY_BYTES) throw new PayloadTooLargeError(MAX_BODY_BYTES);
  const event = parseJson(body);
  if (!isPlainRecord(event)) throw new BadRequestError('expected one EventBridge event object', 'invalid_body');
  return event;
}

/** The raw text of an event a Lambda received already parsed; refuses events nested too deeply to handle (400). */
export function eventBody(event: unknown): string {
  const deep = tooDeepAt(event);
  if (deep) {
    throw new BadRequestError(`event nests deeper than ${MAX_JSON_DEPTH} levels`, 'too_deep', deep.slice(0, 200));
  }
  return JSON.stringify(event);
}
