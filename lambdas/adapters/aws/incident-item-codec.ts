import type { Incident } from '../../core/incident';
import { isPlainRecord, mapFromEntries } from '../../core/label-map';

/**
 * How an incident's user-keyed maps (its labels) are stored in DynamoDB: as a list of `[key, value]` pairs, not as a
 * map. Senders choose label keys freely, and some valid ones cannot be a DynamoDB map attribute: the document
 * client refuses to marshal an object with an own `constructor` key and silently drops a `__proto__` key, and
 * DynamoDB refuses an empty attribute name. A list of strings always marshals and stores, and reads back as
 * exactly the map that was written. Items written before this encoding hold a plain map, which still reads.
 */

/** Incident fields whose keys come from senders, stored as pairs. */
const PAIR_ENCODED = new Set<string>(['labels']);

type Pairs = [string, string][];

const encodeMap = (map: Readonly<Record<string, string>>): Pairs =>
  Object.entries(map).map(([key, value]) => [key, String(value)]);

function decodeMap(stored: unknown): Record<string, string> {
  if (Array.isArray(stored)) {
    return mapFromEntries(
      stored
        .filter((pair): pair is [unknown, unknown] => Array.isArray(pair) && pair.length === 2)
        .map(([key, value]) => [String(key), String(value)] as const),
    );
  }
  if (isPlainRecord(stored)) return mapFromEntries(Object.entries(stored).map(([k, v]) => [k, String(v)] as const));
  return {};
}

/** The value to store for an incident field (`labels` as pairs, everything else as it is). */
export function encodeIncidentField(field: string, value: unknown): unknown {
  return PAIR_ENCODED.has(field) && isPlainRecord(value) ? encodeMap(value as Record<string, string>) : value;
}

/** An incident's attributes as stored (user-keyed maps as pairs). */
export function encodeIncident(incident: Incident): Record<string, unknown> {
  return mapFromEntries(Object.entries(incident).map(([field, value]) => [field, encodeIncidentField(field, value)]));
}

/** Stored attributes back as the incident fields they encode (pairs, or a legacy map, back to a map). */
export function decodeIncidentAttributes(item: Record<string, unknown>): Record<string, unknown> {
  return mapFromEntries(
    Object.entries(item).map(([field, value]) => [field, PAIR_ENCODED.has(field) ? decodeMap(value) : value]),
  );
}
