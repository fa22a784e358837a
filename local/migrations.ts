/**
 * One-time rewrites of data a local stack kept from an earlier version (`.parley/data`), run at start before any
 * handler does. Local only: it reads with Scan, which no request path may; the tables of a cloud deployment never
 * held the old shapes (v1's stack could not deploy).
 *
 * 1. Unread keys (v1.1): `UNREAD#<to>#<from>` -> `UNREAD#<to>#CHAT#<from>` for chat messages and `UNREAD#<to>#SYS`
 *    -> `UNREAD#<to>#SYSTEM` for system ones, told apart by the message's own key (`CONV#…` vs `SYS#…`), never by
 *    the sender's name — a user named `SYS` was exactly what the old scheme confused.
 * 2. Connections (issue #15): one row per connection (`userId` / `<connectionId>`) -> one item per user (`userId` /
 *    `#SET`, an attribute per connection). The old rows are dropped: a local stack that starts has no live socket
 *    from before, so they name connections that are gone (on AWS, TTL would end them within 3 h anyway).
 * 3. Friend flags (issue #15): a chat message's friendship check is now the condition `friend = true` on the
 *    sender's conversation row; every friend row `USER#<u>` / `FRIEND#<v>` gets `friend = true` on `USER#<u>` /
 *    `CONV#<v>` (which befriend writes from now on).
 */
import { DeleteCommand, DynamoDBDocumentClient, ScanCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { CONNECTION_SET_SK } from '../lambdas/adapters/dynamo/connection-store';
import { convSk, unreadPk } from '../lambdas/adapters/dynamo/keys';

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

/** Deletes connection rows of the one-row-per-connection shape (before issue #15); returns how many. */
export async function dropConnectionRows(client: DynamoDBClient, table: string): Promise<number> {
  const db = DynamoDBDocumentClient.from(client);
  let dropped = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(new ScanCommand({ TableName: table, ExclusiveStartKey: start, ProjectionExpression: 'userId, connectionId' }));
    for (const item of page.Items ?? []) {
      if (item.connectionId === CONNECTION_SET_SK) continue;
      await db.send(new DeleteCommand({ TableName: table, Key: { userId: item.userId, connectionId: item.connectionId } }));
      dropped++;
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return dropped;
}

/** Sets `friend = true` on the conversation row of every friendship that lacks it; returns how many rows changed. */
export async function migrateFriendFlags(client: DynamoDBClient, table: string): Promise<number> {
  const db = DynamoDBDocumentClient.from(client);
  let changed = 0;
  let start: Record<string, unknown> | undefined;
  do {
    const page = await db.send(
      new ScanCommand({
        TableName: table,
        ExclusiveStartKey: start,
        FilterExpression: 'begins_with(sk, :f)',
        ExpressionAttributeValues: { ':f': 'FRIEND#' },
        ProjectionExpression: 'pk, friendId',
      }),
    );
    for (const item of page.Items ?? []) {
      await db
        .send(
          new UpdateCommand({
            TableName: table,
            Key: { pk: item.pk, sk: convSk(String(item.friendId)) },
            UpdateExpression: 'SET friend = :t, peerId = :p',
            ConditionExpression: 'attribute_not_exists(friend)',
            ExpressionAttributeValues: { ':t': true, ':p': item.friendId },
          }),
        )
        .then(
          () => changed++,
          (err: Error) => {
            if (err.name !== 'ConditionalCheckFailedException') throw err; // already flagged (or unfriended since)
          },
        );
    }
    start = page.LastEvaluatedKey;
  } while (start);
  return changed;
}
