import type { Source } from '../core/incident';
import type { Notifier } from '../ports/notifier';
import { createConnector, type HttpTuning, type ItsmSettings, loadItsmSettings } from './connector-registry';
import { type ItsmConnection, parseConnection } from './credentials';
import {
  type ApplyOptions,
  type CreateReceipt,
  ITSM_SOURCES,
  type Itsm,
  type ItsmConnector,
  type ItsmSource,
  isItsmSource,
  type TicketDraft,
  type TicketWrite,
  type WriteReceipt,
} from './ticket';
import { withFooter } from './write-marker';

/** What the outbox holds about one ITSM write, so a retried write can tell what it already recorded. */
export interface RecordedWrite {
  idempotencyKey: string;
  notes: string[];
}

/** Human-readable lines for the field changes of a write. */
export function describeFields(write: TicketWrite): string[] {
  const { update } = write;
  const lines: string[] = [];
  if (update.state) lines.push(`state -> ${update.state}`);
  if (update.priority) lines.push(`priority -> ${update.priority}`);
  if (update.assignment?.group) lines.push(`assignment group -> ${update.assignment.group}`);
  if (update.assignment?.assignee) lines.push(`assignee -> ${update.assignment.assignee.name}`);
  if (update.resolution)
    lines.push(`resolution -> ${update.resolution.code ?? 'resolved'}: ${update.resolution.notes}`);
  return lines;
}

/**
 * Records every ITSM write as a notification on the `itsm` channel (locally: `GET /notifications`), after handing it
 * to the real connector when there is one. Without one it stands in for the ticket: what is recorded is exactly
 * what would have been written, notes with their write-back footer included.
 */
export class RecordingConnector implements ItsmConnector {
  constructor(
    readonly source: ItsmSource,
    private readonly notifier: Notifier,
    /** Writes already recorded under a key (the outbox survives restarts, so this reads it). */
    private readonly recorded: (idempotencyKey: string) => RecordedWrite | undefined,
    private readonly forward?: ItsmConnector,
  ) {}

  /**
   * Opens the ticket through the real connector when there is one; without one the outbox stands in for the ticketing
   * system and the ticket is named after the idempotency key (`LUMOS-<key>`), so a retry opens the same one.
   */
  async create(draft: TicketDraft, options: ApplyOptions): Promise<CreateReceipt> {
    const receipt: CreateReceipt = this.forward
      ? await this.forward.create(draft, options)
      : {
          ticket: {
            source: this.source,
            id: `LUMOS-${draft.idempotencyKey
              .replace(/^lumos-/, '')
              .slice(0, 10)
              .toUpperCase()}`,
            displayId: `LUMOS-${draft.idempotencyKey
              .replace(/^lumos-/, '')
              .slice(0, 10)
              .toUpperCase()}`,
          },
          calls: [],
          existing: false,
          warnings: [],
        };
    await this.notifier.send({
      channel: 'itsm',
      recipient: `${this.source}:${receipt.ticket.displayId}`,
      subject: `${this.source} ${receipt.ticket.displayId}: ${receipt.existing ? 'found' : 'opened'} for an alarm`,
      text: `${draft.title}\n\n${draft.description}`,
      data: {
        idempotencyKey: `${draft.idempotencyKey}:create`,
        source: this.source,
        ticketId: receipt.ticket.id,
        created: { title: draft.title, priority: draft.priority, group: draft.group ?? null },
        delivered: this.forward ? 'vendor-api' : 'recorded-only',
        calls: receipt.calls,
        warnings: receipt.warnings,
      },
    });
    return receipt;
  }

  async apply(write: TicketWrite, options: ApplyOptions): Promise<WriteReceipt> {
    const receipt: WriteReceipt = this.forward
      ? await this.forward.apply(write, options)
      : { source: this.source, ticketId: write.ticket.displayId, calls: [], alreadyPosted: [], warnings: [] };
    const before = options.reconcile ? this.recorded(write.idempotencyKey) : undefined;
    if (before) {
      if (!this.forward) receipt.alreadyPosted.push(...before.notes);
      return receipt;
    }
    const { update, idempotencyKey } = write;
    const notes = [
      ...(update.workNote
        ? [
            {
              kind: 'note' as const,
              label: 'Work note (internal)',
              text: withFooter(update.workNote, idempotencyKey, 'note'),
            },
          ]
        : []),
      ...(update.reply
        ? [
            {
              kind: 'reply' as const,
              label: 'Reply to the requester',
              text: withFooter(update.reply, idempotencyKey, 'reply'),
            },
          ]
        : []),
    ];
    const fields = describeFields(write);
    await this.notifier.send({
      channel: 'itsm',
      recipient: `${this.source}:${write.ticket.displayId}`,
      subject: `${this.source} ${write.ticket.displayId}: ${[...notes.map((n) => n.kind), ...fields.map((f) => f.split(' ->')[0])].join(', ')}`,
      text: [
        ...notes.map((n) => `${n.label}:\n${n.text}`),
        ...(fields.length ? [`Fields: ${fields.join('; ')}`] : []),
      ].join('\n\n'),
      ...(write.ticket.url ? { links: [{ rel: 'ticket', href: write.ticket.url, method: 'GET' }] } : {}),
      data: {
        idempotencyKey,
        source: this.source,
        ticketId: write.ticket.id,
        notes: notes.map((n) => n.kind),
        update: { ...update },
        delivered: this.forward ? 'vendor-api' : 'recorded-only',
        calls: receipt.calls,
        warnings: receipt.warnings,
      },
    });
    return receipt;
  }
}

/** Looks a write up in recorded notifications (the local outbox): the `itsm` entry carrying its key, if any. */
export function recordedIn(
  entries: () => ReadonlyArray<{ channel: string; data?: Record<string, unknown> }>,
): (idempotencyKey: string) => RecordedWrite | undefined {
  return (idempotencyKey) => {
    const found = entries().find((e) => e.channel === 'itsm' && e.data?.idempotencyKey === idempotencyKey);
    if (!found) return undefined;
    const notes = Array.isArray(found.data?.notes) ? (found.data.notes as unknown[]).map(String) : [];
    return { idempotencyKey, notes };
  };
}

/** `LUMOS_ITSM_<SOURCE>_URL` and `LUMOS_ITSM_<SOURCE>_CREDENTIALS` (JSON, see ItsmCredentials; default basic `lumos`). */
export function localConnection(source: ItsmSource, env: NodeJS.ProcessEnv = process.env): ItsmConnection | undefined {
  const prefix = `LUMOS_ITSM_${source.toUpperCase()}`;
  const baseUrl = env[`${prefix}_URL`]?.trim();
  if (!baseUrl) return undefined;
  const credentials = env[`${prefix}_CREDENTIALS`]?.trim();
  return parseConnection(source, {
    baseUrl,
    credentials: credentials
      ? JSON.parse(credentials)
      : { type: 'basic', username: 'lumos', password: 'local-dev-secret' },
  });
}

/**
 * The local `itsm` port: every ITSM write is recorded in the outbox (channel `itsm`), and when
 * `LUMOS_ITSM_<SOURCE>_URL` is set it also goes to that URL through the real connector (how the e2e tests point
 * the connectors at the contract server, and how a developer points them at a sandbox instance).
 */
export class LocalItsm implements Itsm {
  private readonly connectors = new Map<ItsmSource, ItsmConnector>();

  constructor(
    notifier: Notifier,
    recorded: (idempotencyKey: string) => RecordedWrite | undefined,
    env: NodeJS.ProcessEnv = process.env,
    settings: ItsmSettings = loadItsmSettings(env).settings,
    tuning: HttpTuning = {},
  ) {
    for (const source of ITSM_SOURCES) {
      const connection = localConnection(source, env);
      const forward = connection ? createConnector(source, connection, settings, tuning) : undefined;
      this.connectors.set(source, new RecordingConnector(source, notifier, recorded, forward));
    }
  }

  async connector(source: Source): Promise<ItsmConnector | undefined> {
    return isItsmSource(source) ? this.connectors.get(source) : undefined;
  }
}
