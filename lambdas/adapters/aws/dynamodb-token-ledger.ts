import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { TokenLedger, TokenUsage } from '../../ports/llm';

/** Agent names become attribute names; keep them to a safe alphabet. */
const attributeSafe = (agent: string) => agent.replace(/[^A-Za-z0-9_]/g, '_');

/**
 * Token ledger on the incident table: one item per incident (`pk=INCIDENT#<id>`, `sk=TOKENS`) next to the incident
 * itself, updated with atomic `ADD`, so agents running in parallel branches never lose each other's charges. The
 * item carries no `entity` attribute and therefore stays out of the listing index.
 */
export class DynamoDbTokenLedger implements TokenLedger {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client);
  }

  private key(incidentId: string) {
    return { pk: `INCIDENT#${incidentId}`, sk: 'TOKENS' };
  }

  async used(incidentId: string): Promise<number> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: this.key(incidentId), ConsistentRead: true }),
    );
    return Number(result.Item?.totalTokens ?? 0);
  }

  async charge(incidentId: string, agent: string, usage: TokenUsage): Promise<number> {
    const tokens = usage.inputTokens + usage.outputTokens;
    const result = await this.doc.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: this.key(incidentId),
        UpdateExpression:
          'ADD totalTokens :tokens, inputTokens :input, outputTokens :output, #agent :tokens, calls :one',
        ExpressionAttributeNames: { '#agent': `tokens_${attributeSafe(agent)}` },
        ExpressionAttributeValues: {
          ':tokens': tokens,
          ':input': usage.inputTokens,
          ':output': usage.outputTokens,
          ':one': 1,
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(result.Attributes?.totalTokens ?? tokens);
  }
}
