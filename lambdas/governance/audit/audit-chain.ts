import { createHash } from 'node:crypto';
import type { AuditEntry, AuditRecord } from '../../ports/audit';

/** The previous hash of an incident's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/** JSON with keys sorted at every level, so the same content always hashes the same. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of a record: sha256 over the canonical JSON of every field except the hash itself. */
export function hashRecord(record: Omit<AuditRecord, 'hash'>): string {
  const { incidentId, seq, at, type, actor, summary, data, prevHash } = record;
  return createHash('sha256')
    .update(canonicalJson({ incidentId, seq, at, type, actor, summary, data, prevHash }), 'utf8')
    .digest('hex');
}

/** Builds the next link after `head` (undefined for the first record). */
export function chainRecord(
  incidentId: string,
  entry: AuditEntry,
  head: Pick<AuditRecord, 'seq' | 'hash'> | undefined,
  at: Date,
): AuditRecord {
  // A JSON round trip drops undefined and normalizes values exactly as storage will return them.
  const data = JSON.parse(JSON.stringify(entry.data ?? {})) as Record<string, unknown>;
  const unhashed = {
    incidentId,
    seq: (head?.seq ?? 0) + 1,
    at: at.toISOString(),
    type: entry.type,
    actor: entry.actor,
    summary: entry.summary,
    data,
    prevHash: head?.hash ?? GENESIS_HASH,
  };
  return { ...unhashed, hash: hashRecord(unhashed) };
}

export type AuditProblemKind = 'edited' | 'removed' | 'reordered' | 'inserted' | 'broken_link';

export interface AuditProblem {
  seq: number;
  kind: AuditProblemKind;
  message: string;
}

export interface AuditVerification {
  incidentId: string;
  ok: boolean;
  records: number;
  /** Records compared with the write-once export (0 when there is none). */
  comparedWithExport: number;
  head?: { seq: number; hash: string };
  problems: AuditProblem[];
}

/**
 * Verifies an incident's chain: every record's hash matches its content (else `edited`, or `reordered` when it
 * matches another position), seqs run 1..n without gaps (`removed`), each record links to its predecessor's hash
 * (`broken_link`). With the write-once export it also catches what a chain alone cannot: a removed tail, and a
 * record rewritten together with every later one.
 */
export function verifyChain(
  incidentId: string,
  stored: AuditRecord[],
  exported: AuditRecord[] = [],
): AuditVerification {
  const problems: AuditProblem[] = [];
  const records = [...stored].sort((a, b) => a.seq - b.seq);
  let previous: AuditRecord | undefined;
  let expectedSeq = 1;
  for (const record of records) {
    if (record.incidentId !== incidentId) {
      problems.push({
        seq: record.seq,
        kind: 'inserted',
        message: `record ${record.seq} belongs to incident ${record.incidentId}`,
      });
    }
    if (record.seq > expectedSeq) {
      const missing = record.seq - 1 === expectedSeq ? `${expectedSeq}` : `${expectedSeq}..${record.seq - 1}`;
      problems.push({ seq: expectedSeq, kind: 'removed', message: `record(s) ${missing} are missing` });
    }
    const { hash, ...rest } = record;
    if (hashRecord(rest) !== hash) {
      const movedFrom = records.find(
        (other) => other.seq !== record.seq && hashRecord({ ...rest, seq: other.seq }) === hash,
      );
      problems.push(
        movedFrom
          ? {
              seq: record.seq,
              kind: 'reordered',
              message: `record ${record.seq} was written as record ${movedFrom.seq}`,
            }
          : {
              seq: record.seq,
              kind: 'edited',
              message: `record ${record.seq} (${record.type}) does not match its hash: its content was changed`,
            },
      );
    }
    const expectedPrev =
      previous && previous.seq === record.seq - 1 ? previous.hash : record.seq === 1 ? GENESIS_HASH : undefined;
    if (expectedPrev !== undefined && record.prevHash !== expectedPrev) {
      problems.push({
        seq: record.seq,
        kind: 'broken_link',
        message: `record ${record.seq} does not link to record ${record.seq - 1}'s hash`,
      });
    }
    previous = record;
    expectedSeq = record.seq + 1;
  }

  const bySeq = new Map(records.map((r) => [r.seq, r]));
  for (const copy of exported) {
    const live = bySeq.get(copy.seq);
    if (!live) {
      if (!problems.some((p) => p.kind === 'removed' && p.seq <= copy.seq && copy.seq < expectedSeq)) {
        problems.push({
          seq: copy.seq,
          kind: 'removed',
          message: `record ${copy.seq} is in the write-once export but no longer in the trail`,
        });
      }
    } else if (live.hash !== copy.hash || canonicalJson(live) !== canonicalJson(copy)) {
      if (!problems.some((p) => p.seq === copy.seq && (p.kind === 'edited' || p.kind === 'reordered'))) {
        problems.push({
          seq: copy.seq,
          kind: 'edited',
          message: `record ${copy.seq} differs from its write-once export`,
        });
      }
    }
  }
  problems.sort((a, b) => a.seq - b.seq);
  const last = records[records.length - 1];
  return {
    incidentId,
    ok: problems.length === 0,
    records: records.length,
    comparedWithExport: exported.length,
    ...(last ? { head: { seq: last.seq, hash: last.hash } } : {}),
    problems,
  };
}
