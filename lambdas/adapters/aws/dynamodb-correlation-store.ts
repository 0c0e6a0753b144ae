import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { PutCommand, TransactWriteCommand, type TransactWriteCommandInput, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Incident, Priority, TimelineEntry } from '../../core/incident';
import {
  type AttachResult,
  type CorrelationRoster,
  type CorrelationStore,
  IncidentExistsError,
  type KeyState,
  type OpenClaims,
  type OpenResult,
  type RecoverResult,
  type ServiceWindow,
  type SignalMember,
} from '../../ports/incident-store';
import {
  cancellationCodes,
  changeExpression,
  conditionFailed,
  DAY,
  epoch,
  type IncidentTable,
  incidentKey,
  member,
  pointerKey,
  recoveryKey,
  rosterKey,
  signalKey,
  toRoster,
  windowKey,
} from './dynamodb-incident-table';
import { encodeIncident } from './incident-item-codec';

/**
 * Correlation state on the incident table: rosters (`INCIDENT#<id>`/`ROSTER`), members (`INCIDENT#<id>`/`SIGNAL#`),
 * key pointers and recovery notes (`CORRELATION#<key>`) and service windows (`SERVICE#<service>`/`WINDOW`).
 */
export class DynamoDbCorrelationStore implements CorrelationStore {
  constructor(private readonly table: IncidentTable) {}

  async lookupKey(key: string): Promise<KeyState> {
    // Pointer (`OPEN`) and recovery note (`RECOVERED`) share the key's partition: one consistent query reads both.
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk',
      ExpressionAttributeValues: { ':pk': pointerKey(key).pk },
      ConsistentRead: true,
    });
    const state: KeyState = {};
    for (const item of items) {
      if (item.sk === 'OPEN') state.open = { incidentId: String(item.incidentId), since: String(item.since ?? '') };
      if (item.sk === 'RECOVERED' && Number(item.expiresAt ?? 0) >= epoch(new Date())) {
        state.recoveredAt = item.recoveredAt as string | undefined;
      }
    }
    return state;
  }

  async dropPointer(key: string, incidentId: string): Promise<void> {
    await this.table.conditionalDelete(pointerKey(key), incidentId);
  }

  async getServiceWindow(service: string): Promise<ServiceWindow | undefined> {
    const item = await this.table.getItem(windowKey(service));
    if (!item) return undefined;
    return {
      service,
      incidentId: String(item.incidentId),
      openedAt: String(item.openedAt ?? ''),
      endsAt: String(item.endsAt ?? ''),
    };
  }

  async closeServiceWindow(service: string, incidentId: string): Promise<void> {
    await this.table.conditionalDelete(windowKey(service), incidentId);
  }

  private memberItem(incidentId: string, signal: SignalMember) {
    return {
      ...signalKey(incidentId, signal.fingerprint),
      signalFingerprint: signal.fingerprint,
      source: signal.source,
      externalId: signal.externalId,
      title: signal.title,
      deliveryId: signal.deliveryId,
      state: signal.state,
      firstSeenAt: signal.firstSeenAt,
      lastSeenAt: signal.lastSeenAt,
    };
  }

  async openIncident(incident: Incident, claims: OpenClaims): Promise<OpenResult> {
    const at = claims.now.toISOString();
    const pointerTtl = epoch(claims.now) + 90 * DAY;
    const pointers = [...new Set(claims.pointers)];
    const hash = member(claims.member.fingerprint);
    const items: NonNullable<TransactWriteCommandInput['TransactItems']> = [
      {
        Put: {
          TableName: this.table.name,
          Item: { ...incidentKey(incident.incidentId), entity: 'INCIDENT', ...encodeIncident(incident) },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      {
        Put: {
          TableName: this.table.name,
          Item: {
            ...rosterKey(incident.incidentId),
            open: true,
            members: new Set([hash]),
            ...(claims.member.state === 'firing' ? { firing: new Set([hash]) } : {}),
            openedAt: at,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      },
      { Put: { TableName: this.table.name, Item: this.memberItem(incident.incidentId, claims.member) } },
      ...pointers.map((key) => ({
        Put: {
          TableName: this.table.name,
          Item: {
            ...pointerKey(key),
            correlationKey: key,
            incidentId: incident.incidentId,
            since: at,
            expiresAt: pointerTtl,
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        },
      })),
    ];
    if (claims.window) {
      items.push({
        Put: {
          TableName: this.table.name,
          Item: {
            ...windowKey(claims.window.service),
            service: claims.window.service,
            incidentId: incident.incidentId,
            openedAt: at,
            endsAt: claims.window.endsAt,
            expiresAt: epoch(new Date(claims.window.endsAt)) + DAY,
          },
          ConditionExpression:
            'attribute_not_exists(pk) OR endsAt < :now' + (claims.window.replaces ? ' OR incidentId = :replaces' : ''),
          ExpressionAttributeValues: {
            ':now': at,
            ...(claims.window.replaces ? { ':replaces': claims.window.replaces } : {}),
          },
        },
      });
    }
    try {
      await this.table.doc.send(new TransactWriteCommand({ TransactItems: items }));
      return { opened: true };
    } catch (error) {
      if (!(error instanceof TransactionCanceledException)) throw error;
      const codes = cancellationCodes(error);
      if (codes[0] === 'ConditionalCheckFailed' || codes[1] === 'ConditionalCheckFailed') {
        throw new IncidentExistsError(incident.incidentId);
      }
      const pointerFailed = codes.slice(3, 3 + pointers.length).includes('ConditionalCheckFailed');
      if (pointerFailed) return { opened: false, conflict: 'pointer' };
      if (claims.window && codes[3 + pointers.length] === 'ConditionalCheckFailed') {
        return { opened: false, conflict: 'window' };
      }
      return { opened: false, conflict: 'contention' };
    }
  }

  async attachSignal(
    incidentId: string,
    signal: SignalMember,
    options: { pointers: string[]; window?: { service: string; endsAt: string } },
  ): Promise<AttachResult> {
    const hash = member(signal.fingerprint);
    let before: Record<string, unknown>;
    try {
      const result = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: rosterKey(incidentId),
          UpdateExpression: 'ADD members :hash, firing :hash',
          ConditionExpression: '#open = :true',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: { ':hash': new Set([hash]), ':true': true },
          ReturnValues: 'ALL_OLD',
        }),
      );
      before = result.Attributes ?? {};
    } catch (error) {
      if (conditionFailed(error)) return { attached: false };
      throw error;
    }
    const members = (before.members as Set<string> | undefined) ?? new Set<string>();
    const firing = (before.firing as Set<string> | undefined) ?? new Set<string>();
    const newMember = !members.has(hash);

    const since = signal.lastSeenAt;
    // Member, pointers and window are independent items: written side by side, after the roster admitted the signal.
    const [previous] = await Promise.all([
      this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: signalKey(incidentId, signal.fingerprint),
          UpdateExpression:
            'SET signalFingerprint = :fp, #source = :source, externalId = :externalId, title = :title, deliveryId = :deliveryId, #state = :firing, lastSeenAt = :at, firstSeenAt = if_not_exists(firstSeenAt, :at)',
          ExpressionAttributeNames: { '#source': 'source', '#state': 'state' },
          ExpressionAttributeValues: {
            ':fp': signal.fingerprint,
            ':source': signal.source,
            ':externalId': signal.externalId,
            ':title': signal.title,
            ':deliveryId': signal.deliveryId,
            ':firing': 'firing',
            ':at': signal.lastSeenAt,
          },
          ReturnValues: 'ALL_OLD',
        }),
      ),
      ...[...new Set(options.pointers)].map(async (key) => {
        try {
          await this.table.doc.send(
            new PutCommand({
              TableName: this.table.name,
              Item: {
                ...pointerKey(key),
                correlationKey: key,
                incidentId,
                since,
                expiresAt: epoch(new Date()) + 90 * DAY,
              },
              ConditionExpression: 'attribute_not_exists(pk)',
            }),
          );
        } catch (error) {
          if (!conditionFailed(error)) throw error;
        }
      }),
      options.window
        ? this.table.conditionalUpdate({
            Key: windowKey(options.window.service),
            UpdateExpression: 'SET endsAt = :endsAt, expiresAt = :expiresAt',
            ConditionExpression: 'incidentId = :id AND endsAt < :endsAt',
            ExpressionAttributeValues: {
              ':endsAt': options.window.endsAt,
              ':expiresAt': epoch(new Date(options.window.endsAt)) + DAY,
              ':id': incidentId,
            },
          })
        : undefined,
    ]);
    return {
      attached: true,
      newMember,
      previousDeliveryId: previous.Attributes?.deliveryId as string | undefined,
      roster: {
        open: true,
        members: members.size + (newMember ? 1 : 0),
        firing: firing.size + (firing.has(hash) ? 0 : 1),
        openedAt: String(before.openedAt ?? ''),
      },
    };
  }

  async recoverSignal(incidentId: string, fingerprint: string, at: string): Promise<RecoverResult> {
    const hash = member(fingerprint);
    let before: Record<string, unknown>;
    try {
      const result = await this.table.doc.send(
        new UpdateCommand({
          TableName: this.table.name,
          Key: rosterKey(incidentId),
          UpdateExpression: 'DELETE firing :hash',
          ConditionExpression: '#open = :true AND contains(members, :one)',
          ExpressionAttributeNames: { '#open': 'open' },
          ExpressionAttributeValues: { ':hash': new Set([hash]), ':one': hash, ':true': true },
          ReturnValues: 'ALL_OLD',
        }),
      );
      before = result.Attributes ?? {};
    } catch (error) {
      if (conditionFailed(error)) return { recovered: false };
      throw error;
    }
    await this.table.conditionalUpdate({
      Key: signalKey(incidentId, fingerprint),
      UpdateExpression: 'SET #state = :recovered, lastSeenAt = :at',
      ConditionExpression: 'attribute_exists(pk)',
      ExpressionAttributeNames: { '#state': 'state' },
      ExpressionAttributeValues: { ':recovered': 'recovered', ':at': at },
    });
    const members = (before.members as Set<string> | undefined) ?? new Set<string>();
    const firing = (before.firing as Set<string> | undefined) ?? new Set<string>();
    const wasFiring = firing.has(hash);
    return {
      recovered: true,
      wasFiring,
      roster: {
        open: true,
        members: members.size,
        firing: firing.size - (wasFiring ? 1 : 0),
        openedAt: String(before.openedAt ?? ''),
      },
    };
  }

  async closeIfRecovered(incidentId: string, entries: TimelineEntry[]): Promise<boolean> {
    const change = changeExpression({ set: { status: 'resolved' }, append: entries });
    for (let attempt = 0; attempt < 6; attempt++) {
      try {
        await this.table.doc.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Update: {
                  TableName: this.table.name,
                  Key: rosterKey(incidentId),
                  UpdateExpression: 'SET #open = :false',
                  ConditionExpression: '#open = :true AND attribute_not_exists(firing)',
                  ExpressionAttributeNames: { '#open': 'open' },
                  ExpressionAttributeValues: { ':false': false, ':true': true },
                },
              },
              {
                Update: {
                  TableName: this.table.name,
                  Key: incidentKey(incidentId),
                  ...change,
                  ConditionExpression: 'attribute_exists(pk)',
                },
              },
            ],
          }),
        );
        return true;
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const codes = cancellationCodes(error);
        if (codes.includes('ConditionalCheckFailed')) return false;
        // A concurrent write on the roster (a signal joining or recovering): look again shortly.
        await new Promise((resolve) => setTimeout(resolve, 10 * 2 ** attempt * Math.random()));
      }
    }
    return false;
  }

  async raisePriority(incidentId: string, priority: Priority, entry: TimelineEntry): Promise<boolean> {
    const change = changeExpression({ set: { priority }, append: [entry] });
    return this.table.conditionalUpdate({
      Key: incidentKey(incidentId),
      ...change,
      ConditionExpression: 'attribute_exists(pk) AND #f0 > :f0',
    });
  }

  async noteRecovery(fingerprint: string, at: string): Promise<void> {
    await this.table.conditionalUpdate({
      Key: recoveryKey(fingerprint),
      UpdateExpression: 'SET recoveredAt = :at, expiresAt = :expiresAt',
      ConditionExpression: 'attribute_not_exists(recoveredAt) OR recoveredAt < :at',
      ExpressionAttributeValues: { ':at': at, ':expiresAt': epoch(new Date()) + DAY },
    });
  }

  async getRoster(incidentId: string): Promise<CorrelationRoster | undefined> {
    return toRoster(await this.table.getItem(rosterKey(incidentId)));
  }

  async listSignals(incidentId: string): Promise<SignalMember[]> {
    const items = await this.table.queryAll({
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': `INCIDENT#${incidentId}`, ':prefix': 'SIGNAL#' },
      ConsistentRead: true,
    });
    return items.map((item) => ({
      fingerprint: String(item.signalFingerprint),
      source: item.source as SignalMember['source'],
      externalId: String(item.externalId),
      title: String(item.title),
      deliveryId: String(item.deliveryId),
      state: item.state === 'recovered' ? 'recovered' : 'firing',
      firstSeenAt: String(item.firstSeenAt),
      lastSeenAt: String(item.lastSeenAt),
    }));
  }
}
