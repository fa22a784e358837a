/**
 * TransactWriteItems with the two things every caller needs: retry on TransactionConflict (another transaction
 * touched the same item), and the per-item cancellation reasons when a condition fails.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { documentClient } from './client';

export type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

export interface CancelReason {
  code: string;
  item?: Record<string, unknown>;
}

export type TxResult = { ok: true } | { ok: false; reasons: CancelReason[] };

const MAX_CONFLICT_RETRIES = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function transact(items: TxItem[]): Promise<TxResult> {
  for (let attempt = 0; ; attempt++) {
    try {
      await documentClient().send(new TransactWriteCommand({ TransactItems: items }));
      return { ok: true };
    } catch (err) {
      if (!(err instanceof TransactionCanceledException) && (err as Error).name !== 'TransactionCanceledException') throw err;
      const raw = (err as TransactionCanceledException).CancellationReasons ?? [];
      const reasons: CancelReason[] = raw.map((r) => ({
        code: r.Code ?? 'None',
        item: r.Item ? (unmarshall(r.Item as never) as Record<string, unknown>) : undefined,
      }));
      const conflict = reasons.some((r) => r.code === 'TransactionConflict' || r.code === 'ThrottlingError');
      const conditional = reasons.some((r) => r.code === 'ConditionalCheckFailed');
      if (conflict && !conditional && attempt < MAX_CONFLICT_RETRIES) {
        await sleep(Math.random() * 20 * 2 ** attempt);
        continue;
      }
      if (!conditional) throw err;
      return { ok: false, reasons };
    }
  }
}

/**
 * Commit one transaction per batch of entries where each entry owns item `i` (the first entries.length items) and
 * the rest are shared bookkeeping built from the surviving entries. An entry whose own condition fails is dropped
 * (already done: read, stored, …) and the rest is retried. Returns the entries that were committed.
 */
export async function commitEntries<E>(entries: E[], build: (entries: E[]) => TxItem[]): Promise<E[]> {
  let live = entries;
  while (live.length > 0) {
    const result = await transact(build(live));
    if (result.ok) return live;
    const failed = new Set<number>();
    result.reasons.forEach((r, i) => {
      if (r.code === 'ConditionalCheckFailed') failed.add(i);
    });
    if ([...failed].some((i) => i >= live.length)) throw new Error('a shared item of the transaction failed its condition');
    live = live.filter((_, i) => !failed.has(i));
  }
  return live;
}
