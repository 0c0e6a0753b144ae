import fc from 'fast-check';
import { chainRecord, GENESIS_HASH, verifyChain } from '../../../lambdas/governance/audit/audit-chain';
import type { AuditRecord } from '../../../lambdas/ports/audit';

function chain(length: number, incidentId = 'inc-1'): AuditRecord[] {
  const records: AuditRecord[] = [];
  for (let i = 0; i < length; i++) {
    records.push(
      chainRecord(
        incidentId,
        {
          type: 'action.executed',
          actor: 'executor',
          summary: `step ${i + 1}`,
          data: { n: i, nested: { list: [i, 'x'] } },
        },
        records[records.length - 1],
        new Date(Date.UTC(2026, 10, 20, 10, 0, i)),
      ),
    );
  }
  return records;
}

describe('the audit hash chain', () => {
  it('links each record to the previous one, starting from the genesis hash', () => {
    const records = chain(3);
    expect(records.map((r) => r.seq)).toEqual([1, 2, 3]);
    expect(records[0]!.prevHash).toBe(GENESIS_HASH);
    expect(records[2]!.prevHash).toBe(records[1]!.hash);
    expect(verifyChain('inc-1', records)).toMatchObject({ ok: true, records: 3, head: { seq: 3 } });
  });

  it('reports an edited record as edited', () => {
    const records = chain(4);
    records[1] = { ...records[1]!, summary: 'nothing happened' };
    expect(verifyChain('inc-1', records).problems).toEqual([expect.objectContaining({ seq: 2, kind: 'edited' })]);
  });

  it('reports a record removed from the middle', () => {
    const records = chain(4);
    records.splice(1, 1);
    expect(verifyChain('inc-1', records).problems).toEqual([expect.objectContaining({ seq: 2, kind: 'removed' })]);
  });

  it('reports two records that swapped places as reordered', () => {
    const records = chain(4);
    const [second, third] = [records[1]!, records[2]!];
    records[1] = { ...third, seq: 2 };
    records[2] = { ...second, seq: 3 };
    const kinds = verifyChain('inc-1', records).problems.map((p) => p.kind);
    expect(kinds).toContain('reordered');
  });

  it('catches a removed tail and a rewritten chain only with the write-once export', () => {
    const records = chain(4);
    const truncated = records.slice(0, 3);
    expect(verifyChain('inc-1', truncated).ok).toBe(true);
    expect(verifyChain('inc-1', truncated, records).problems).toEqual([
      expect.objectContaining({ seq: 4, kind: 'removed' }),
    ]);

    // Rewriting record 2 and re-hashing everything after it keeps the chain consistent in itself...
    const rewritten = [records[0]!];
    for (const original of records.slice(1)) {
      rewritten.push(
        chainRecord(
          'inc-1',
          { ...original, summary: original.seq === 2 ? 'rewritten' : original.summary },
          rewritten[rewritten.length - 1],
          new Date(original.at),
        ),
      );
    }
    expect(verifyChain('inc-1', rewritten).ok).toBe(true);
    // ...but not with the export.
    expect(verifyChain('inc-1', rewritten, records).problems.map((p) => p.seq)).toEqual([2, 3, 4]);
  });

  it('detects any single change to any field of any record', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        fc.constantFrom('summary', 'actor', 'at', 'type', 'data', 'prevHash', 'incidentId'),
        fc.string({ minLength: 1 }),
        (length, pick, field, value) => {
          const records = chain(length);
          const index = pick % length;
          const original = records[index]!;
          const changed =
            field === 'data'
              ? { ...original.data, injected: value }
              : `${String(original[field as keyof AuditRecord])}${value}`;
          records[index] = { ...original, [field]: changed } as AuditRecord;
          return !verifyChain('inc-1', records).ok;
        },
      ),
      { numRuns: 300 },
    );
  });
});
