/**
 * The "other users" of a call measurement (bench/lib/calls.ts), written straight to the tables so the same
 * measurement can be repeated with 10, 1,000 and 10,000 of them.
 */
import { BatchWriteItemCommand, DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';
import type { TestStack } from '../../test/support/stack';

export class Population {
  /** How many other users are stored now. */
  size = 0;
  private readonly client: DynamoDBClient;

  constructor(private readonly stack: TestStack) {
    this.client = new DynamoDBClient({
      endpoint: stack.dynamoEndpoint, // straight to DynamoDB, not through the counting proxy
      region: 'us-east-1',
      credentials: stack.local.dynamoCredentials, // DynamoDB Local keeps the tables under the stack's key
      maxAttempts: 10,
    });
  }

  /** Grow to `total` other users: profile, a friendship with the next user (both ways), a stored connection. */
  async growTo(total: number): Promise<void> {
    const { main, connections } = this.stack.tables;
    const now = Date.now();
    const requests: { table: string; req: WriteRequest }[] = [];
    const id = (i: number) => `other-${String(i).padStart(6, '0')}`;
    for (let i = this.size; i < total; i++) {
      const u = id(i);
      requests.push({ table: main, req: { PutRequest: { Item: { pk: { S: `USER#${u}` }, sk: { S: 'PROFILE' }, name: { S: `Other ${i}` } } } } });
      if (i % 2 === 1) {
        const v = id(i - 1);
        for (const [a, b] of [
          [u, v],
          [v, u],
        ]) {
          requests.push({
            table: main,
            req: { PutRequest: { Item: { pk: { S: `USER#${a}` }, sk: { S: `FRIEND#${b}` }, friendId: { S: b }, since: { S: new Date(now).toISOString() } } } },
          });
        }
      }
      // The user's connection item (docs/DATA.md): one attribute per live connection, the item's TTL.
      const expiresAt = { N: String(Math.floor(now / 1000) + 3 * 3600) };
      requests.push({
        table: connections,
        req: {
          PutRequest: {
            Item: {
              userId: { S: u },
              connectionId: { S: '#SET' },
              [`c:stored-${u}`]: { M: { connectedAt: { N: String(now) }, expiresAt } },
              expiresAt,
            },
          },
        },
      });
    }
    await this.write(requests);
    this.size = Math.max(this.size, total);
  }

  /** Give `user` `n` friends of its own (friend rows in its partition only: what its presence reads). */
  async friendsFor(user: string, n: number): Promise<void> {
    const since = { S: new Date().toISOString() };
    await this.write(
      Array.from({ length: n }, (_, i) => {
        const f = `${user}-friend-${String(i).padStart(4, '0')}`;
        return { table: this.stack.tables.main, req: { PutRequest: { Item: { pk: { S: `USER#${user}` }, sk: { S: `FRIEND#${f}` }, friendId: { S: f }, since } } } };
      }),
    );
  }

  /** BatchWriteItem, 25 a request, 8 in flight, unprocessed items retried. */
  private async write(requests: { table: string; req: WriteRequest }[]): Promise<void> {
    const batches: typeof requests[] = [];
    for (let i = 0; i < requests.length; i += 25) batches.push(requests.slice(i, i + 25));
    let next = 0;
    const worker = async () => {
      while (next < batches.length) {
        const batch = batches[next++];
        let items: Record<string, WriteRequest[]> = {};
        for (const { table, req } of batch) (items[table] ??= []).push(req);
        for (let attempt = 0; Object.keys(items).length; attempt++) {
          if (attempt > 8) throw new Error('BatchWriteItem kept leaving items unprocessed');
          if (attempt) await new Promise((r) => setTimeout(r, 20 * 2 ** attempt));
          const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: items }));
          items = (out.UnprocessedItems ?? {}) as Record<string, WriteRequest[]>;
        }
      }
    };
    await Promise.all(Array.from({ length: 8 }, worker));
  }

  close(): void {
    this.client.destroy();
  }
}
