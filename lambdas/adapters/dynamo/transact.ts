/**
 * TransactWriteItems with the two things every caller needs: retry on TransactionConflict (another transaction
 * touched the same item), and the cancellation reasons when a condition fails — by the NAME the caller gave each
 * item, never by its position, so a caller decides its errors by what failed ('friendship' → NOT_FRIENDS) and the
 * order of the items is free to change.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { documentClient } from './client';

export type TxItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One item of a transaction and the name its cancellation reason is reported under (several may share a name). */
export interface Named<N> {
  name: N;
  item: TxItem;
}

export interface CancelReason {
  code: string;
  item?: Record<string, unknown>;
}

/**
 * `failed`: the names whose condition failed (ConditionalCheckFailed), each with its reason — the old item when the
 * caller asked for it (ReturnValuesOnConditionCheckFailure); the first failed item of a name stands for the name.
 */
export type TxResult<N> = { ok: true } | { ok: false; failed: ReadonlyMap<N, CancelReason> };

const MAX_CONFLICT_RETRIES = 6;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function transact<N>(items: ReadonlyArray<Named<N>>): Promise<TxResult<N>> {
  for (let attempt = 0; ; attempt++) {
    try {
      await documentClient().send(new TransactWriteCommand({ TransactItems: items.map((i) => i.item) }));
      return { ok: true };
    } catch (err) {
      if (!(err instanceof TransactionCanceledException) && (err as Error).name !== 'TransactionCanceledException') throw err;
      // DynamoDB answers one reason per item, in the order of the request: that order is read here and nowhere else.
      const raw = (err as TransactionCanceledException).CancellationReasons ?? [];
      const codes = raw.map((r) => r.Code ?? 'None');
      const conflict = codes.some((c) => c === 'TransactionConflict' || c === 'ThrottlingError');
      const conditional = codes.includes('ConditionalCheckFailed');
      if (conflict && !conditional && attempt < MAX_CONFLICT_RETRIES) {
        await sleep(Math.random() * 20 * 2 ** attempt);
        continue;
      }
      if (!conditional) throw err;
      const failed = new Map<N, CancelReason>();
      raw.forEach((r, i) => {
        if (codes[i] !== 'ConditionalCheckFailed' || i >= items.length || failed.has(items[i].name)) return;
        failed.set(items[i].name, { code: codes[i], item: r.Item ? (unmarshall(r.Item as never) as Record<string, unknown>) : undefined });
      });
      return { ok: false, failed };
    }
  }
}

/** The name of the bookkeeping items that `commitEntries` builds from the surviving entries. */
export const SHARED = 'shared';

/**
 * Commit one transaction per batch of entries, where the items named by an entry's index belong to that entry and
 * those named SHARED are bookkeeping built from the surviving entries. An entry whose own condition fails is dropped
 * (already done: read, stored, …) and the rest is retried. Returns the entries that were committed.
 */
export async function commitEntries<E>(entries: E[], build: (entries: E[]) => Array<Named<number | typeof SHARED>>): Promise<E[]> {
  let live = entries;
  while (live.length > 0) {
    const result = await transact(build(live));
    if (result.ok) return live;
    if (result.failed.has(SHARED)) throw new Error('a shared item of the transaction failed its condition');
    live = live.filter((_, i) => !result.failed.has(i));
  }
  return live;
}
