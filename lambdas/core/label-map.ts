import * as z from 'zod';

/**
 * Labels, annotations, tags and custom fields are maps whose keys the sender chooses. Any JSON object key is a valid
 * key here: `constructor`, `__proto__`, `toString`, the empty string, very long ones. Two JavaScript traps make such
 * keys vanish or corrupt objects: assignment (`map[key] = value`, `Object.assign`) turns a `__proto__` key into a
 * prototype change, and generic record parsers (zod's `z.record` among them) build their output by assignment. The
 * helpers here only ever create own data properties, so every key survives as itself.
 */

/** A plain (JSON-shaped) object: not null, not an array. */
export const isPlainRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A map built from entries as own data properties (safe for `__proto__` and friends). */
export const mapFromEntries = <T>(entries: Iterable<readonly [string, T]>): Record<string, T> =>
  Object.fromEntries(entries) as Record<string, T>;

/** The value stored under `key` itself, never one inherited from Object.prototype (`constructor`, `toString`). */
export function ownValue<T>(map: Readonly<Record<string, T>> | undefined, key: string): T | undefined {
  return map && Object.hasOwn(map, key) ? map[key] : undefined;
}

/**
 * A map of text keyed by whatever the sender chose, validated and copied faithfully (every own key, `__proto__`
 * included). Use instead of `z.record(z.string(), z.string())` for user-keyed maps.
 */
export const LabelMap = z
  .custom<Record<string, string>>(
    (value) => isPlainRecord(value) && Object.values(value).every((v) => typeof v === 'string'),
    { message: 'expected an object whose values are all text' },
  )
  .transform((value) => mapFromEntries(Object.entries(value)));
