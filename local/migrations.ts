/**
 * One-time rewrites of data a local stack kept from an earlier version (`.parley/data`), run at start before any
 * handler does. Local only: it reads with Scan, which no request path may; the tables of a cloud deployment never
 * held the old shapes (v1's stack could not deploy).
 *
 * 1. Unread keys (v1.1): `UNREAD#<to>#<from>` -> `UNREAD#<to>#CHAT#<from>` for chat messages and `UNREAD#<to>#SYS`
 *    -> `UNREAD#<to>#SYSTEM` for system ones, told apart by the message's own key (`CONV#…` vs `SYS#…`), never by
 *    the sender's name — a user named `SYS` was exactly what the old scheme confused.
 */
import { DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { unreadPk } from '../lambdas/adapters/dynamo/keys';

/** Rewrites old unread keys of the main table; returns how many items changed. */
export async function migrateUnreadKeys(client: DynamoDBClient, table: string): Promise<number> {
  const db = DynamoDBDocumentClient.from(client);
  let changed = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({ TableName: table, IndexName: 'unread', ExclusiveStartKey: start, ProjectionExpression: 'pk, sk, gsi1pk, toUserId, fromUserId' }),
    );
    for (const item of page.Items ?? []) {
      // The key this message must have, from its own kind; anything else (only the old scheme) is rewritten.
      const old = String(item.gsi1pk);
      const isSystem = String(item.pk).startsWith('SYS#');
      const next = unreadPk(String(item.toUserId), isSystem ? null : String(item.fromUserId));
      if (next === old) continue;
      await db.send(
        new UpdateCommand({
          TableName: table,
          Key: { pk: item.pk, sk: item.sk },
          UpdateExpression: 'SET gsi1pk = :n',
          ConditionExpression: 'gsi1pk = :o',
          ExpressionAttributeValues: { ':n': next, ':o': old },
        }),
      ).then(
        () => changed++,
        (err: Error) => {
          if (err.name !== 'ConditionalCheckFailedException') throw err; // read meanwhile: nothing to rewrite
        },
      );
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return changed;
}
