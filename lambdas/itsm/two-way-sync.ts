import type { Incident, Signal, TimelineEntry } from '../core/incident';
import type { IncidentChanges } from '../ports/incident-store';
import { itsmStateOf } from './write-back';

/** Who holds the ticket now, as people set it in the ITSM tool; kept under `agents.assignment`. */
export interface TicketAssignment {
  group?: string;
  /** True when a person (not Lumos) made the assignment in the ITSM tool. */
  byPerson: boolean;
  by?: string;
  at: string;
  source: string;
}

/** What one update from the ITSM tool means for the incident, beyond what intake applies itself. */
export interface TicketSync {
  /** The update only reports what Lumos itself wrote a moment ago (when neither user nor marker shows it). */
  echo: boolean;
  reason?: string;
  /** Changes to merge into intake's update of the incident: `agents.assignment` and a timeline entry. */
  changes: Pick<IncidentChanges, 'agents' | 'append'>;
}

/** How long after a write an identical value coming back counts as the write's echo. */
const ECHO_WINDOW_MS = 5 * 60_000;

/** The group a ticket update names: ServiceNow `assignment_group`, Zendesk `group_id`. */
const groupIn = (labels: Record<string, string>): string | undefined => labels.assignmentGroup ?? labels.groupId;

/** The values Lumos' most recent write set, with when. */
function lastWrite(
  incident: Incident,
): { at: number; set: NonNullable<ReturnType<typeof itsmStateOf>['writes'][string]['set']> } | undefined {
  const writes = Object.values(itsmStateOf(incident).writes).filter((w) => w.status === 'written' && w.set);
  const latest = writes.sort((a, b) => Date.parse(b.at) - Date.parse(a.at))[0];
  return latest?.set ? { at: Date.parse(latest.at), set: latest.set } : undefined;
}

/**
 * Reads a ticket update the way two-way sync needs it: people's reassignments flow back into the incident
 * (`agents.assignment`, which routing's workload counts), and an update that only repeats what Lumos wrote moments
 * ago is recognised as its echo even when the tool does not show who made it. Priority and resolution changes are
 * applied by intake itself (source priority, resolve signals).
 */
export function syncFromTicket(incident: Incident, signal: Signal, now: Date): TicketSync {
  const at = now.toISOString();
  const group = groupIn(signal.labels);
  const previousGroup = groupIn(incident.labels);
  const by = signal.changedBy?.[0];
  const write = lastWrite(incident);
  const recent = write && now.getTime() - write.at <= ECHO_WINDOW_MS;
  const noteIsOurs = !!signal.changeNote && /\bref:lumos-[0-9a-f]{24}\.(note|reply)\b/.test(signal.changeNote);

  const priorityFromSource = signal.severity.priority;
  const changedPriority =
    priorityFromSource && priorityFromSource !== incident.priority ? priorityFromSource : undefined;
  const changedGroup = group && group !== previousGroup ? group : undefined;
  const echoOfValues =
    recent &&
    (changedPriority || changedGroup) &&
    (!changedPriority || changedPriority === write.set.priority) &&
    (!changedGroup || changedGroup === write.set.group);
  if (noteIsOurs || echoOfValues) {
    return {
      echo: true,
      reason: noteIsOurs
        ? 'the update carries the reference of a note Lumos wrote; its own write-back'
        : `the update repeats what Lumos wrote ${Math.round((now.getTime() - write!.at) / 1000)} s ago; its own write-back`,
      changes: {},
    };
  }

  const append: TimelineEntry[] = [];
  const agents: Record<string, unknown> = {};
  if (changedGroup) {
    const assignment: TicketAssignment = {
      group: changedGroup,
      byPerson: true,
      ...(by ? { by } : {}),
      at,
      source: signal.source,
    };
    agents.assignment = assignment;
    append.push({
      at,
      actor: by ? `human:${by}` : 'human',
      type: 'itsm.reassigned',
      summary: `${by ?? 'Someone'} assigned ${signal.externalId} to ${changedGroup} in ${signal.source}${previousGroup ? ` (was ${previousGroup})` : ''}`,
      data: { group: changedGroup, ...(previousGroup ? { previous: previousGroup } : {}) },
    });
  }
  return {
    echo: false,
    changes: { ...(Object.keys(agents).length ? { agents } : {}), ...(append.length ? { append } : {}) },
  };
}
