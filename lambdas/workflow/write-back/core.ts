import type { Incident } from '../../core/incident';
import type { TicketUpdate } from '../../itsm/ticket';
import type { WritePurpose } from '../../itsm/write-back';

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

/**
 * The workflow's last word on the ticket: the handoff packet (assigned to the team and on-call person) when a
 * person takes over; the reply and the resolution when a catalogue request was fulfilled; otherwise a progress
 * note with what Lumos did.
 */
export function finalWrite(incident: Incident): FinalWrite {
  const handoff = incident.agents.handoff as Handoff | undefined;
  const fulfilment = incident.agents.fulfilment as Fulfilment | undefined;
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
