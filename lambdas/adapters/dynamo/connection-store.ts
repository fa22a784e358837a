/** Live WebSocket connections: PK userId, SK connectionId, TTL expiresAt (reads ignore expired rows). */
import { DeleteCommand, PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { Connection } from '../../core/model';
import type { ConnectionStore } from '../../core/ports';
import { documentClient } from './client';

export class DynamoConnectionStore implements ConnectionStore {
  constructor(private readonly table: string) {}

  async add(conn: Connection, ttlSeconds: number): Promise<void> {
    await documentClient().send(
      new PutCommand({
        TableName: this.table,
        Item: { ...conn, expiresAt: Math.floor(conn.connectedAt / 1000) + ttlSeconds },
      }),
    );
  }

  async remove(userId: string, connectionId: string): Promise<void> {
    await documentClient().send(new DeleteCommand({ TableName: this.table, Key: { userId, connectionId } }));
  }

  async live(userId: string): Promise<Connection[]> {
    const found: Connection[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await documentClient().send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'userId = :u',
          FilterExpression: 'expiresAt > :now',
          ExpressionAttributeValues: { ':u': userId, ':now': Math.floor(Date.now() / 1000) },
          ProjectionExpression: 'userId, connectionId, connectedAt',
          ConsistentRead: true,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      for (const i of out.Items ?? []) found.push({ userId: i.userId, connectionId: i.connectionId, connectedAt: Number(i.connectedAt) });
      start = out.LastEvaluatedKey;
    } while (start);
    return found;
  }
}
