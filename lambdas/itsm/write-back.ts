import { sha256Hex } from '../core/ids';
import type { Incident, TimelineEntry } from '../core/incident';
import type { AuditTrail } from '../ports/audit';
import type { Clock } from '../ports/clock';
import type { IncidentStore } from '../ports/incident-store';
import { ItsmUnavailableError } from './itsm-errors';
import { describeFields } from './local-itsm';
import { type Itsm, isEmptyUpdate, type TicketRef, type TicketUpdate, ticketRefOf, type WriteReceipt } from './ticket';

/** Why Lumos writes to a ticket; one write per incident and purpose, ever. */
export type WritePurpose = 'first-response' | 'handoff' | 'progress' | 'fulfilment' | (string & {});

export interface WriteBackDeps {
  store: IncidentStore;
  itsm: Itsm;
  clock: Clock;
  /**
   * Opens the ticket of an incident that has none (an alarm-born one) before the first write; see
   * `ensureAlarmTicket`. Without it such incidents are written to nowhere (`no-ticket`).
   */
  openTicket?: (incident: Incident) => Promise<TicketRef | undefined>;
  /** When given, every write that reached a ticket is also appended to the incident's audit trail. */
  audit?: AuditTrail;
  /** How long an attempt's claim protects it before another attempt may take over. @default 15 */
  leaseSeconds?: number;
  sleep?: (ms: number) => Promise<void>;
}

/** What a write did, as kept on the incident under `agents.itsm.writes.<purpose>`. */
export interface WriteRecord {
  purpose: string;
  idempotencyKey: string;
  status: 'written' | 'no-ticket' | 'not-configured' | 'nothing-to-write';
  at: string;
  ticket?: { source: string; id: string; displayId: string };
  /** Which attempt of the write succeeded; above 1 means an earlier attempt failed or died. */
  attempt?: number;
  calls?: number;
  /** Notes an earlier attempt had already posted, found on the ticket instead of posted again. */
  alreadyPosted?: string[];
  warnings?: string[];
  /** What the write set, so two-way sync can tell Lumos' own changes from people's. */
  set?: { state?: string; priority?: string; group?: string; assignee?: string };
}

/** The outcome of {@link writeBack}: the record, and whether this call found the write already done. */
export interface WriteBackResult {
  record: WriteRecord;
  duplicate: boolean;
  receipt?: WriteReceipt;
}

/** What Lumos keeps about its ITSM writes on the incident. */
export interface ItsmAgentState {
  writes: Record<string, WriteRecord>;
}

/** The stable key of one write: the same incident and purpose always give the same key, on every attempt. */
export const idempotencyKeyOf = (incidentId: string, purpose: string): string =>
  `lumos-${sha256Hex(`${incidentId}|${purpose}`).slice(0, 24)}`;

/** The ledger item (an idempotency record next to intake's delivery records) guarding one write. */
const ledgerId = (key: string) => `itsm-write:${key}`;

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** The ITSM state kept on an incident (empty when nothing was written yet); other keys (the opened ticket) stay. */
export function itsmStateOf(incident: Pick<Incident, 'agents'>): ItsmAgentState {
  const raw = incident.agents?.itsm as Partial<ItsmAgentState> | undefined;
  return { ...(raw ?? {}), writes: { ...(raw?.writes ?? {}) } };
}

function summaryOf(
  purpose: string,
  ticket: TicketRef | undefined,
  update: TicketUpdate,
  status: WriteRecord['status'],
): string {
  if (status === 'no-ticket') return `${purpose}: no ITSM ticket to write to (kept on the incident only)`;
  if (status === 'not-configured')
    return `${purpose}: no connection to ${ticket?.source} is configured; kept on the incident only`;
  if (status === 'nothing-to-write') return `${purpose}: nothing to write`;
  const parts = [
    ...(update.workNote ? ['work note'] : []),
    ...(update.reply ? ['reply'] : []),
    ...describeFields({ ticket: ticket!, update, idempotencyKey: '' }),
  ];
  return `Wrote ${purpose} to ${ticket?.source} ${ticket?.displayId} (${parts.join(', ')})`;
}

async function record(deps: WriteBackDeps, incident: Incident, entry: WriteRecord, summary: string): Promise<void> {
  // Read again: another write of the same step may have recorded itself since the incident was loaded.
  const state = itsmStateOf((await deps.store.get(incident.incidentId)) ?? incident);
  state.writes[entry.purpose] = entry;
  const timeline: TimelineEntry = {
    at: entry.at,
    actor: 'itsm',
    type: entry.status === 'written' ? 'itsm.write' : 'itsm.skipped',
    summary,
    data: {
      purpose: entry.purpose,
      idempotencyKey: entry.idempotencyKey,
      ...(entry.attempt ? { attempt: entry.attempt } : {}),
    },
  };
  await deps.store.update(incident.incidentId, { agents: { itsm: state }, append: [timeline] });
  if (deps.audit && entry.status === 'written') {
    await deps.audit.append(incident.incidentId, {
      type: 'itsm.write',
      actor: 'agent:itsm',
      summary,
      data: { ...entry },
    });
  }
}

/**
 * Writes one update to the incident's ticket exactly once per incident and purpose, however often the step runs:
 * 1. a write already recorded on the incident, or done in the ledger, is not repeated (`duplicate`);
 * 2. otherwise the write is claimed in the idempotency ledger (a conditional write), so concurrent or retried
 *    attempts never post side by side; a claim left by a dead attempt is taken over when its lease ends;
 * 3. a retried attempt reconciles: the connector looks for the notes (which carry the key) on the ticket first;
 * 4. the result is kept on the incident (`agents.itsm.writes.<purpose>`) with a timeline entry.
 * Sources without a ticket, or without a configured connection, are recorded as such and write nothing.
 */
export async function writeBack(
  deps: WriteBackDeps,
  incident: Incident,
  purpose: WritePurpose,
  update: TicketUpdate,
  /** Another ticket of the incident to write to (a report that joined it) instead of the incident's own. */
  target?: TicketRef,
): Promise<WriteBackResult> {
  const idempotencyKey = idempotencyKeyOf(incident.incidentId, purpose);
  const known = itsmStateOf(incident).writes[purpose];
  if (known && known.idempotencyKey === idempotencyKey) return { record: known, duplicate: true };

  const at = () => deps.clock.now().toISOString();
  const ticket = target ?? ticketRefOf(incident) ?? (deps.openTicket ? await deps.openTicket(incident) : undefined);
  const skip = async (status: WriteRecord['status']): Promise<WriteBackResult> => {
    const entry: WriteRecord = {
      purpose,
      idempotencyKey,
      status,
      at: at(),
      ...(ticket ? { ticket: { source: ticket.source, id: ticket.id, displayId: ticket.displayId } } : {}),
    };
    await record(deps, incident, entry, summaryOf(purpose, ticket, update, status));
    return { record: entry, duplicate: false };
  };
  if (!ticket) return skip('no-ticket');
  if (isEmptyUpdate(update)) return skip('nothing-to-write');
  const connector = await deps.itsm.connector(ticket.source);
  if (!connector) return skip('not-configured');

  const leaseSeconds = deps.leaseSeconds ?? 15;
  const id = ledgerId(idempotencyKey);
  let claim = await deps.store.claimDelivery(id, { now: deps.clock.now(), leaseSeconds });
  if (!claim.claimed && claim.record.state === 'pending') {
    // Another attempt holds it, or died holding it: wait out its lease once, then take over.
    const endsAt = Date.parse(claim.record.claimedAt) + leaseSeconds * 1000 + 50;
    await (deps.sleep ?? defaultSleep)(
      Math.max(0, Math.min(endsAt - deps.clock.now().getTime(), leaseSeconds * 1000 + 50)),
    );
    claim = await deps.store.claimDelivery(id, { now: deps.clock.now(), leaseSeconds });
  }
  const base = { source: ticket.source, id: ticket.id, displayId: ticket.displayId };
  if (!claim.claimed) {
    if (claim.record.state === 'done') {
      // Written by an attempt that died before it could record it on the incident: record it now.
      const entry: WriteRecord = {
        purpose,
        idempotencyKey,
        status: 'written',
        at: claim.record.claimedAt,
        ticket: base,
      };
      await record(deps, incident, entry, `${summaryOf(purpose, ticket, update, 'written')} (recorded late)`);
      return { record: entry, duplicate: true };
    }
    throw new ItsmUnavailableError(
      `the ${purpose} write for ${incident.incidentId} is still held by another attempt; retry`,
    );
  }

  let receipt: WriteReceipt;
  try {
    receipt = await connector.apply({ ticket, update, idempotencyKey }, { reconcile: claim.attempt > 1 });
  } catch (error) {
    await deps.store
      .releaseDelivery(id, error instanceof Error ? `${error.name}: ${error.message}` : String(error))
      .catch(() => undefined);
    throw error;
  }
  await deps.store.completeDelivery(id, { incidentId: incident.incidentId, status: 'written' });
  const entry: WriteRecord = {
    purpose,
    idempotencyKey,
    status: 'written',
    at: at(),
    ticket: base,
    attempt: claim.attempt,
    calls: receipt.calls.length,
    ...(receipt.alreadyPosted.length ? { alreadyPosted: receipt.alreadyPosted } : {}),
    ...(receipt.warnings.length ? { warnings: receipt.warnings } : {}),
    set: {
      ...(update.state ? { state: update.state } : {}),
      ...(update.priority ? { priority: update.priority } : {}),
      ...(update.assignment?.group ? { group: update.assignment.group } : {}),
      ...(update.assignment?.assignee ? { assignee: update.assignment.assignee.name } : {}),
    },
  };
  await record(deps, incident, entry, summaryOf(purpose, ticket, update, 'written'));
  return { record: entry, duplicate: false, receipt };
}
