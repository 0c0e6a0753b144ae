import { createHash, randomBytes } from 'node:crypto';

/**
 * Incident ids sort by creation time (base36 milliseconds) and carry 48 random bits, e.g. `inc-mhx2k9a0-3f9c1a2b7d4e`.
 */
export function newIncidentId(now: Date): string {
  return `inc-${now.getTime().toString(36)}-${randomBytes(6).toString('hex')}`;
}

export const sha256Hex = (text: string): string => createHash('sha256').update(text, 'utf8').digest('hex');

/**
 * Step Functions execution name for a delivery: deterministic, so a redelivery maps to the same execution, and
 * within the 80-character limit and allowed alphabet.
 */
export function executionName(source: string, deliveryId: string): string {
  return `${source}-${sha256Hex(deliveryId).slice(0, 40)}`;
}
