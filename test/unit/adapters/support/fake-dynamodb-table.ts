import {
  BatchWriteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';

type Item = Record<string, unknown>;

/**
 * One DynamoDB table behind the Document client, in memory, for the expressions Lumos' agent adapters use:
 * Query on `pk = :pk` (optionally `AND sk BETWEEN :from AND :to`), BatchWrite puts/deletes, Get, and Update with
 * `ADD` of numbers. Anything else fails the test loudly.
 */
export function fakeDynamoDbTable() {
  const items = new Map<string, Item>();
  const key = (pk: unknown, sk: unknown) => `${String(pk)}\u0000${String(sk)}`;
  const mock = mockClient(DynamoDBDocumentClient);
  mock.on(QueryCommand).callsFake((input) => {
    const values = input.ExpressionAttributeValues as Item;
    const between = /sk BETWEEN :from AND :to/.test(input.KeyConditionExpression ?? '');
    const found = [...items.values()]
      .filter((item) => item.pk === values[':pk'])
      .filter(
        (item) => !between || (String(item.sk) >= String(values[':from']) && String(item.sk) <= String(values[':to'])),
      )
      .sort((a, b) => String(a.sk).localeCompare(String(b.sk)));
    return { Items: found.map((item) => structuredClone(item)) };
  });
  mock.on(BatchWriteCommand).callsFake((input) => {
    for (const requests of Object.values(input.RequestItems ?? {}) as {
      PutRequest?: { Item: Item };
      DeleteRequest?: { Key: Item };
    }[][]) {
      for (const request of requests) {
        if (request.PutRequest)
          items.set(
            key(request.PutRequest.Item.pk, request.PutRequest.Item.sk),
            structuredClone(request.PutRequest.Item),
          );
        if (request.DeleteRequest) items.delete(key(request.DeleteRequest.Key.pk, request.DeleteRequest.Key.sk));
      }
    }
    return { UnprocessedItems: {} };
  });
  mock.on(GetCommand).callsFake((input) => {
    const found = items.get(key(input.Key?.pk, input.Key?.sk));
    return { Item: found ? structuredClone(found) : undefined };
  });
  mock.on(UpdateCommand).callsFake((input) => {
    const expression = input.UpdateExpression ?? '';
    if (!expression.startsWith('ADD ')) throw new Error(`fake table supports only ADD updates, got ${expression}`);
    const id = key(input.Key?.pk, input.Key?.sk);
    const item = items.get(id) ?? { ...input.Key };
    for (const clause of expression.slice(4).split(',')) {
      const [name, value] = clause.trim().split(/\s+/) as [string, string];
      const attribute = name.startsWith('#') ? String(input.ExpressionAttributeNames?.[name]) : name;
      item[attribute] = Number(item[attribute] ?? 0) + Number((input.ExpressionAttributeValues as Item)[value]);
    }
    items.set(id, item);
    return { Attributes: structuredClone(item) };
  });
  return { items, mock, restore: () => mock.restore() };
}
