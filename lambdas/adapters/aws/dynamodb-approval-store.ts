import { ConditionalCheckFailedException, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { ApprovalRequest, ApprovalStatus, ApprovalStore } from '../../ports/approval-store';

const key = (approvalId: string) => ({ pk: `APPROVAL#${approvalId}`, sk: 'APPROVAL' });

function toRequest(item: Record<string, unknown>): ApprovalRequest {
  const { pk: _pk, sk: _sk, entity: _entity, createdAt: _createdAt, ...request } = item;
  return request as unknown as ApprovalRequest;
}

const toItem = (request: ApprovalRequest) => ({
  ...key(request.approvalId),
  entity: 'APPROVAL',
  createdAt: request.requestedAt,
  ...request,
});

/**
 * Approval requests in the incident table (pk `APPROVAL#<id>`), listed newest first through the byCreated index.
 * Every change is a conditional put on `version`, so concurrent decisions cannot both win.
 */
export class DynamoDbApprovalStore implements ApprovalStore {
  private readonly doc: DynamoDBDocumentClient;

  constructor(
    private readonly tableName: string,
    client: DynamoDBClient = new DynamoDBClient({}),
  ) {
    this.doc = DynamoDBDocumentClient.from(client, { marshallOptions: { removeUndefinedValues: true } });
  }

  async create(request: ApprovalRequest): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(request),
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }

  async get(approvalId: string): Promise<ApprovalRequest | undefined> {
    const result = await this.doc.send(
      new GetCommand({ TableName: this.tableName, Key: key(approvalId), ConsistentRead: true }),
    );
    return result.Item ? toRequest(result.Item) : undefined;
  }

  async list(options: { status?: ApprovalStatus; limit?: number } = {}): Promise<ApprovalRequest[]> {
    const limit = options.limit ?? 100;
    const found: ApprovalRequest[] = [];
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.doc.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: 'byCreated',
          KeyConditionExpression: 'entity = :entity',
          ...(options.status
            ? {
                FilterExpression: '#status = :status',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':entity': 'APPROVAL', ':status': options.status },
              }
            : { ExpressionAttributeValues: { ':entity': 'APPROVAL' } }),
          ScanIndexForward: false,
          ExclusiveStartKey: startKey,
        }),
      );
      found.push(...(page.Items ?? []).map(toRequest));
      startKey = page.LastEvaluatedKey;
    } while (startKey && found.length < limit);
    return found.slice(0, limit);
  }

  async replace(next: ApprovalRequest, expectedVersion: number): Promise<boolean> {
    try {
      await this.doc.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem({ ...next, version: expectedVersion + 1 }),
          ConditionExpression: 'version = :expected',
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
