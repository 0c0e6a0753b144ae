import type { Incident } from '../../core/incident';
import { isItsmSource, type TicketRef, type TicketUpdate, ticketRefOf } from '../../itsm/ticket';
import type { WritePurpose } from '../../itsm/write-back';
import { type WriteBackDeps, writeBack } from '../../itsm/write-back';
import type { SignalMember } from '../../ports/incident-store';
import { TransientError } from '../../shared/errors';

interface Handoff {
  needed?: boolean;
  text?: string;
  to?: { group: string; assignee?: { name: string; email?: string; ids?: Record<string, string> } };
}
interface Fulfilment {
  status?: string;
  itemTitle?: string;
  runbookId?: string;
  reply?: string;
  summary?: string;
}
interface Execution {
  done?: string[];
  runbook?: { runbookId: string; status: string; summary: string };
}

/** What the last write of the workflow puts on the ticket, and whether it resolves the incident. */
export interface FinalWrite {
  purpose: WritePurpose;
  update: TicketUpdate;
  resolves: boolean;
}

interface Verification {
  status?: string;
  summary?: string;
  attempts?: number;
  checks?: { name: string; ok: boolean; detail: string; at: string }[];
  verifiedAt?: string;
}
interface Diagnosis {
  status?: string;
  summary?: string;
  hypotheses?: { component?: string; failureMode?: string; confidence?: number }[];
}

/** The cause as Lumos understands it: the diagnosis' top hypothesis when there is one, else triage's reading. */
export function causeOf(incident: Incident): string {
  const diagnosis = incident.agents.diagnosis as Diagnosis | undefined;
  const top = diagnosis?.status === 'ok' ? diagnosis.hypotheses?.[0] : undefined;
  if (top?.component && top.failureMode) {
    const pct = typeof top.confidence === 'number' ? `, ${Math.round(top.confidence * 100)}% confidence` : '';
    return `${top.failureMode} in ${top.component}${pct}${diagnosis?.summary ? `: ${diagnosis.summary}` : ''}`;
  }
  if (incident.triage)
    return `not diagnosed; triage read it as ${incident.triage.category}: ${incident.triage.rationale}`;
  return 'not diagnosed';
}

/** The resolution note of a verified recovery: cause, action, evidence. */
export function resolutionNote(incident: Incident): string {
  const verification = incident.agents.verification as Verification | undefined;
  const execution = incident.agents.execution as Execution | undefined;
  const runbook = execution?.runbook;
  const selfRecovered = verification?.status === 'self-recovered';
  const lines = [
    selfRecovered
      ? '## Resolved: recovered on its own (verified by Lumos)'
      : '## Resolved by Lumos (recovery verified)',
    `**Cause:** ${causeOf(incident)}`,
    `**Action:** ${
      runbook && !selfRecovered
        ? `runbook ${runbook.runbookId} ${runbook.status} (${runbook.summary})`
        : runbook
          ? `none needed (runbook ${runbook.runbookId}: ${runbook.status})`
          : 'none: the service recovered without a change by Lumos'
    }`,
    `**Evidence:** ${verification?.summary ?? 'checks passed'}${verification?.attempts ? ` (after ${verification.attempts} check(s))` : ''}`,
    ...(verification?.checks ?? []).map((c) => `- ${c.ok ? 'pass' : 'fail'} ${c.name}: ${c.detail} (${c.at})`),
  ];
  return lines.join('\n');
}

/**
 * The workflow's last word on the ticket: the handoff packet (assigned to the team and on-call person) when a
 * person takes over; the reply and the resolution when a catalogue request was fulfilled; the resolution note
 * (cause, action, evidence) when recovery was verified; otherwise a progress note with what Lumos did.
 */
export function finalWrite(incident: Incident): FinalWrite {
  const handoff = incident.agents.handoff as Handoff | undefined;
  const fulfilment = incident.agents.fulfilment as Fulfilment | undefined;
  const verification = incident.agents.verification as Verification | undefined;
  if (handoff?.needed && handoff.text) {
    return {
      purpose: 'handoff',
      update: {
        workNote: handoff.text,
        state: 'in_progress',
        ...(handoff.to
          ? {
              assignment: {
                group: handoff.to.group,
                ...(handoff.to.assignee ? { assignee: handoff.to.assignee } : {}),
              },
            }
          : {}),
      },
      resolves: false,
    };
  }
  if (fulfilment?.status === 'fulfilled') {
    const notes =
      `Fulfilled by Lumos: ${fulfilment.itemTitle ?? 'catalogue request'} via runbook ${fulfilment.runbookId}. ${fulfilment.summary ?? ''}`.trim();
    return {
      purpose: 'fulfilment',
      update: {
        workNote: notes,
        ...(fulfilment.reply ? { reply: fulfilment.reply } : {}),
        state: 'resolved',
        resolution: { notes },
      },
      resolves: true,
    };
  }
  if (!handoff?.needed && (verification?.status === 'recovered' || verification?.status === 'self-recovered')) {
    const notes = resolutionNote(incident);
    return {
      purpose: 'resolution',
      update: { workNote: notes, state: 'resolved', resolution: { notes } },
      resolves: true,
    };
  }
  const execution = incident.agents.execution as Execution | undefined;
  const done = execution?.done ?? [];
  const lines = [
    '## Lumos progress',
    ...(done.length ? done.map((d) => `- ${d}`) : ['- No automated action was needed.']),
  ];
  if (execution?.runbook)
    lines.push(`- Runbook ${execution.runbook.runbookId}: ${execution.runbook.status} (${execution.runbook.summary})`);
  return { purpose: 'progress', update: { workNote: lines.join('\n') }, resolves: false };
}

/** A ticket that joined an incident it did not open: a report correlated into the outage, or linked after it ended. */
export interface RelatedTicket {
  ref: TicketRef;
  fingerprint: string;
}

/**
 * The incident's other tickets: ITSM tickets among its correlated signals, and tickets linked after it ended, except
 * the ticket the incident writes to itself. Each once.
 */
export function relatedTickets(incident: Incident, members: readonly SignalMember[]): RelatedTicket[] {
  const own = ticketRefOf(incident);
  const seen = new Set<string>([incident.fingerprint]);
  const found: RelatedTicket[] = [];
  const add = (source: string, externalId: string, fingerprint: string) => {
    if (seen.has(fingerprint) || !isItsmSource(source)) return;
    seen.add(fingerprint);
    const ref = ticketRefOf({ source, externalId, fingerprint });
    if (!ref || (own && own.source === ref.source && own.id === ref.id)) return;
    found.push({ ref, fingerprint });
  };
  for (const member of members) add(member.source, member.externalId, member.fingerprint);
  for (const entry of incident.timeline) {
    const data = entry.data as { source?: unknown; externalId?: unknown; fingerprint?: unknown } | undefined;
    if (
      entry.type === 'ticket.linked' &&
      typeof data?.source === 'string' &&
      typeof data.externalId === 'string' &&
      typeof data.fingerprint === 'string'
    )
      add(data.source, data.externalId, data.fingerprint);
  }
  return found;
}

/**
 * What a related ticket gets of the workflow's last word: the same note, headed by where the incident is handled;
 * the resolution too when the incident is resolved (the reporter is told in a reply), but never the assignment: the
 * people who take over work the incident's own ticket.
 */
export function relatedUpdate(
  incident: Incident,
  final: FinalWrite,
  main: { source: string; displayId: string } | undefined,
): TicketUpdate {
  const where = main ? `, handled in ${main.source} ${main.displayId}` : '';
  const head = `This report is part of Lumos incident ${incident.incidentId}${where}.`;
  const note = final.update.workNote ? `${head}\n\n${final.update.workNote}` : head;
  if (!final.resolves) return { workNote: note };
  return {
    workNote: note,
    reply: `The problem you reported is part of an incident that is now resolved${
      final.purpose === 'fulfilment' ? '' : ' and verified'
    }${main ? ` (${main.displayId})` : ''}. If it still affects you, reply to this ticket.`,
    state: 'resolved',
    resolution: { notes: note },
  };
}

/**
 * Writes the workflow's last word to each related ticket, exactly once each. A tool that is briefly unavailable fails
 * the step (the state machine retries; writes already done are not repeated); a ticket the tool refuses for good (a
 * deleted issue, revoked access) is noted on the timeline and skipped: another ticket never fails the incident's own
 * outcome.
 */
export async function writeRelatedTickets(
  deps: Pick<WriteBackDeps, 'store' | 'itsm' | 'clock' | 'audit'>,
  incident: Incident,
  final: FinalWrite,
  main: { source: string; displayId: string } | undefined,
  related: readonly RelatedTicket[],
): Promise<{ failed: string[] }> {
  const failed: string[] = [];
  const update = relatedUpdate(incident, final, main);
  // The incident as loaded at the step's start holds what earlier attempts recorded; each write is its own purpose.
  for (const ticket of related) {
    try {
      await writeBack(deps, incident, `${final.purpose}:${ticket.fingerprint}`, update, ticket.ref);
    } catch (error) {
      if (error instanceof TransientError) throw error;
      const why = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      failed.push(`${ticket.ref.source} ${ticket.ref.displayId}`);
      await deps.store.update(incident.incidentId, {
        append: [
          {
            at: deps.clock.now().toISOString(),
            actor: 'itsm',
            type: 'itsm.skipped',
            summary: `${final.purpose}: related ticket ${ticket.ref.source} ${ticket.ref.displayId} refused the write (${why.slice(0, 300)})`,
            data: { purpose: `${final.purpose}:${ticket.fingerprint}` },
          },
        ],
      });
    }
  }
  return { failed };
}
