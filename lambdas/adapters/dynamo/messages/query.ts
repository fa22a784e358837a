/** The read requests the message access patterns share: a Query page, a Query skipping soft-deleted items, GetItem. */
import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../client';
import type { Key } from '../keys';
import type { Item } from './items';

/** Queries that skip soft-deleted items stop after this many pages (bounds the cost of a page). */
const MAX_PAGES = 10;

export type QueryInput = Omit<QueryCommandInput, 'TableName'>;

export async function query(table: string, input: QueryInput): Promise<{ items: Item[]; last?: Item }> {
  const out = await documentClient().send(new QueryCommand({ TableName: table, ...input }));
  return { items: (out.Items ?? []) as Item[], last: out.LastEvaluatedKey as Item | undefined };
}

/** Up to `want` items that are not soft-deleted, following pages (bounded). */
export async function queryLive(table: string, input: QueryInput, want: number): Promise<Item[]> {
  const found: Item[] = [];
  let start: Item | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const { items, last } = await query(table, {
      ...input,
      Limit: want - found.length,
      FilterExpression: 'attribute_not_exists(deletedAt)',
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    found.push(...items);
    if (!last || found.length >= want) break;
    start = last;
  }
  return found.slice(0, want);
}

export async function getItem(table: string, key: Key, consistent = false): Promise<Item | undefined> {
  const out = await documentClient().send(new GetCommand({ TableName: table, Key: key, ConsistentRead: consistent }));
  return out.Item as Item | undefined;
}
