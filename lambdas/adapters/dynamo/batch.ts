/** BatchGetItem for any number of keys: 100 a request (4 in flight), unprocessed keys retried with backoff. */
import { BatchGetCommand, type BatchGetCommandOutput } from '@aws-sdk/lib-dynamodb';
import { chunk, mapLimit } from '../../core/concurrency';
import { documentClient } from './client';

type Item = Record<string, unknown>;

export async function batchGetAll(table: string, keys: Item[], opts: { consistent?: boolean } = {}): Promise<Item[]> {
  const parts = await mapLimit(chunk(keys, 100), 4, async (part) => {
    const found: Item[] = [];
    let pending: Item[] = part;
    for (let attempt = 0; pending.length > 0; attempt++) {
      if (attempt >= 8) throw new Error('BatchGetItem left keys unprocessed');
      if (attempt > 0) await new Promise((r) => setTimeout(r, 25 * 2 ** attempt));
      const out: BatchGetCommandOutput = await documentClient().send(
        new BatchGetCommand({ RequestItems: { [table]: { Keys: pending, ...(opts.consistent ? { ConsistentRead: true } : {}) } } }),
      );
      found.push(...((out.Responses?.[table] ?? []) as Item[]));
      pending = (out.UnprocessedKeys?.[table]?.Keys ?? []) as Item[];
    }
    return found;
  });
  return parts.flat();
}
