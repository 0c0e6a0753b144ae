import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { ApprovalRequest, ApprovalStore } from '../../ports/approval-store';

const key = (approvalId: string) => ({ pk: `APPROVAL#${approvalId}`, sk: 'APPROVAL' });

function toRequest(item: Record<string, unknown>): ApprovalRequest {
  const { pk: _pk, sk: _sk, entity: _entity, createdAt: _createdAt, ...request } = item;
  return request as unknown as ApprovalRequest;
}

/** Approval requests in the incident table (pk `APPROVAL#<id>`), listed through the byCreated index. */
export class DynamoDbApprovalStore implements ApprovalStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(request: ApprovalRequest): Promise<void> {
    await this.doc.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...key(request.approvalId), entity: 'APPROVAL', createdAt: request.requestedAt, ...request },
        ConditionExpression: 'attribute_not_exists(pk)',
      }),
    );
  }

  async get(approvalId: string): Promise<ApprovalRequest | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key(approvalId), ConsistentRead: true }),
    );
    return result.Item ? toRequest(result.Item) : undefined;
  }

  async listPending(): Promise<ApprovalRequest[]> {
    const result = await this.doc.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: 'byCreated',
        KeyConditionExpression: 'entity = :entity',
        FilterExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: { ':entity': 'APPROVAL', ':pending': 'pending' },
        ScanIndexForward: false,
      }),
    );
    return (result.Items ?? []).map(toRequest);
  }

  async decide(
    approvalId: string,
    decision: Pick<ApprovalRequest, 'status' | 'decidedBy' | 'decidedAt' | 'comment'>,
  ): Promise<boolean> {
    try {
      await this.doc.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: key(approvalId),
          UpdateExpression: 'SET #status = :status, decidedBy = :by, decidedAt = :at, #comment = :comment',
          ConditionExpression: '#status = :pending',
          ExpressionAttributeNames: { '#status': 'status', '#comment': 'comment' },
          ExpressionAttributeValues: {
            ':status': decision.status,
            ':by': decision.decidedBy ?? 'unknown',
            ':at': decision.decidedAt ?? new Date().toISOString(),
            ':comment': decision.comment ?? '',
            ':pending': 'pending',
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
