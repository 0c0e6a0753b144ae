import * as z from 'zod';
import { Priority } from '../core/incident';

/**
 * The service map names the affected service the same way whatever the source calls it, so that an RDS alarm, an
 * Alertmanager alert and a PagerDuty incident about the checkout all land on `checkout` (and correlate), and gives
 * alarms that carry no severity of their own a priority. Format (documented in GENERIC.md):
 *
 * ```json
 * { "services": { "checkout": { "match": ["checkout-api", "AWS/RDS:orders-*"], "priority": "P1" } } }
 * ```
 *
 * or the shorthand `{ "checkout-api": "checkout", "AWS/RDS:orders-db": "checkout" }` (alias -> service).
 * Patterns are case-insensitive; `*` matches any run of characters.
 */
export interface ServiceMap {
  readonly entries: readonly ServiceEntry[];
}

export interface ServiceEntry {
  readonly service: string;
  readonly patterns: readonly RegExp[];
  /** Priority for signals about this service whose source states none of its own. */
  readonly priority?: Priority;
}

export const EMPTY_SERVICE_MAP: ServiceMap = { entries: [] };

const StructuredMap = z.object({
  services: z.record(
    z.string().min(1),
    z.object({ match: z.array(z.string().min(1)).default([]), priority: Priority.optional() }),
  ),
});
const ShorthandMap = z.record(z.string().min(1), z.string().min(1));

const escapeRegExp = (text: string) => text.replace(/[.+?^${}()|[\]\\]/g, '\\$&');

/** `*` is the only wildcard; everything else matches literally, ignoring case. */
export function globPattern(pattern: string): RegExp {
  return new RegExp(`^${escapeRegExp(pattern.trim()).replaceAll('*', '.*')}$`, 'i');
}

/** Parses a service map document; throws with a readable message naming what is wrong. */
export function parseServiceMap(document: unknown): ServiceMap {
  const structured = StructuredMap.safeParse(document);
  if (structured.success) {
    return {
      entries: Object.entries(structured.data.services).map(([service, entry]) => ({
        service,
        patterns: [service, ...entry.match].map(globPattern),
        priority: entry.priority,
      })),
    };
  }
  const shorthand = ShorthandMap.safeParse(document);
  if (shorthand.success && !('services' in shorthand.data)) {
    const byService = new Map<string, string[]>();
    for (const [alias, service] of Object.entries(shorthand.data)) {
      byService.set(service, [...(byService.get(service) ?? [service]), alias]);
    }
    return {
      entries: [...byService].map(([service, aliases]) => ({ service, patterns: aliases.map(globPattern) })),
    };
  }
  const issue = structured.error.issues[0];
  throw new Error(
    `service map is neither {"services": {...}} nor {"alias": "service"}: ${issue ? `${issue.path.join('.')}: ${issue.message}` : 'unreadable'}`,
  );
}

export interface ServiceResolution {
  service?: string;
  /** The service map's priority for it, when the map gives one. */
  priority?: Priority;
  /** Which name matched, for the timeline. */
  matched?: string;
}

/**
 * Picks the canonical service: the first name (the parser's choice first, then its hints) that a map entry
 * matches; without a match the parser's own choice stands (possibly none).
 */
export function resolveService(
  map: ServiceMap,
  own: string | undefined,
  hints: readonly string[] = [],
): ServiceResolution {
  const names = [own, ...hints].filter((c): c is string => typeof c === 'string' && c.trim().length > 0);
  for (const name of names) {
    const entry = map.entries.find((e) => e.patterns.some((p) => p.test(name.trim())));
    if (entry) return { service: entry.service, priority: entry.priority, matched: name };
  }
  // Hints only help the map: a host name or a tag is not promoted to "the service" on its own.
  return { service: own?.trim() || undefined };
}
