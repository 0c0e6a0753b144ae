import { DynamoDbTokenLedger } from '../../../lambdas/adapters/aws/dynamodb-token-ledger';
import { MemoryTokenLedger } from '../../../lambdas/llm/token-budget';
import type { TokenLedger } from '../../../lambdas/ports/llm';
import { fakeDynamoDbTable } from './support/fake-dynamodb-table';

describe.each<[string, () => { ledger: TokenLedger; close(): void }]>([
  [
    'DynamoDB',
    () => {
      const table = fakeDynamoDbTable();
      return { ledger: new DynamoDbTokenLedger('incidents'), close: table.restore };
    },
  ],
  ['in-memory', () => ({ ledger: new MemoryTokenLedger(), close: () => undefined })],
])('the %s token ledger', (_name, make) => {
  it('starts at zero, adds every charge and keeps incidents apart', async () => {
    const { ledger, close } = make();
    try {
      expect(await ledger.used('inc-1')).toBe(0);
      expect(await ledger.charge('inc-1', 'triage', { inputTokens: 100, outputTokens: 20 })).toBe(120);
      expect(await ledger.charge('inc-1', 'log-analysis', { inputTokens: 50, outputTokens: 5 })).toBe(175);
      await ledger.charge('inc-2', 'triage', { inputTokens: 1, outputTokens: 1 });
      expect(await ledger.used('inc-1')).toBe(175);
      expect(await ledger.used('inc-2')).toBe(2);
    } finally {
      close();
    }
  });
});

describe('the DynamoDB token ledger specifically', () => {
  it('keeps its item beside the incident, per agent, out of the listing index', async () => {
    const table = fakeDynamoDbTable();
    try {
      await new DynamoDbTokenLedger('incidents').charge('inc-9', 'log-analysis', { inputTokens: 10, outputTokens: 2 });
      expect(table.items.get('INCIDENT#inc-9\u0000TOKENS')).toEqual({
        pk: 'INCIDENT#inc-9',
        sk: 'TOKENS',
        totalTokens: 12,
        inputTokens: 10,
        outputTokens: 2,
        tokens_log_analysis: 12,
        calls: 1,
      });
    } finally {
      table.restore();
    }
  });
});
