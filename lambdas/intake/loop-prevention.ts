import type { Signal } from '../core/incident';
import type { IntakeSettings } from './settings';

/**
 * Why a signal is Lumos' own write-back echoing back (a work note, comment or status change Lumos made in the
 * ITSM tool), or undefined when a person or another system made the change. Two independent marks, either enough:
 * the change was made by a configured integration user, or its comment/work note carries the write-back marker.
 */
export function writeBackReason(
  signal: Pick<Signal, 'changedBy' | 'changeNote' | 'source'>,
  settings: Pick<IntakeSettings, 'integrationUsers' | 'writeBackMarker'>,
): string | undefined {
  const users = new Set(settings.integrationUsers);
  const actor = signal.changedBy?.find((who) => users.has(who.trim().toLowerCase()));
  if (actor) return `change made by the Lumos integration user '${actor}' (write-back); not re-ingested`;
  const marker = settings.writeBackMarker.toLowerCase();
  if (marker && signal.changeNote?.toLowerCase().includes(marker)) {
    return `change carries the Lumos write-back marker ${settings.writeBackMarker}; not re-ingested`;
  }
  return undefined;
}
