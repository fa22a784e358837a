/**
 * Read state: a conversation (my watermark on the pair item), or my system messages (some or all) — each batch of
 * those in one transaction with the counter it changes.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { chunk } from '../../../core/concurrency';
import { AppError } from '../../../core/errors';
import { documentClient } from '../client';
import { INDEX, listSk, msgSk, pairKey, sideAttrs, sideOf, sysPk, unreadSystemPk, type Key } from '../keys';
import { SHARED, commitEntries } from '../transact';
import { systemCounter, markItemRead, type Item } from './items';
import { readPair } from './pair';
import { query } from './query';

/**
 * Marks every message peer -> me read: my watermark on the pair item moves to its newest message, my unread count
 * to 0 and my list entry from `U#` to `R#` — one conditional UpdateItem, on the state just read (retried if a
 * message arrived in between). Returns how many were unread and the id read up to.
 */
export async function markConversationRead(table: string, me: string, peer: string): Promise<{ updated: number; upTo: string | null }> {
  const mine = sideAttrs(sideOf(me, peer));
  for (let attempt = 0; attempt < 5; attempt++) {
    const { item, view } = await readPair(table, me, peer);
    if (!item || view.unread === 0 || view.lastId === null) return { updated: 0, upTo: null };
    try {
      await documentClient().send(
        new UpdateCommand({
          TableName: table,
          Key: pairKey(me, peer),
          UpdateExpression: 'SET #read = :last, #unread = :zero, #sk = :sk',
          ConditionExpression: 'lastId = :last AND #unread = :n',
          ExpressionAttributeNames: { '#read': mine.read, '#unread': mine.unread, '#sk': mine.sk },
          ExpressionAttributeValues: { ':last': view.lastId, ':zero': 0, ':n': item[mine.unread], ':sk': listSk(false, view.lastId) },
        }),
      );
      return { updated: view.unread, upTo: view.lastId };
    } catch (err) {
      if ((err as Error).name !== 'ConditionalCheckFailedException') throw err;
    }
  }
  throw new AppError('INTERNAL', 'could not mark the conversation read; please retry');
}

/** Marks these system messages of mine (or all unread ones) read; returns how many were unread. */
export async function markSystemRead(table: string, me: string, ids: string[] | 'all'): Promise<number> {
  const mark = async (keys: Key[]) =>
    (
      await commitEntries(keys, (live) => [
        ...live.map((k, n) => ({ name: n, item: markItemRead(table, k as unknown as Item) })),
        { name: SHARED, item: systemCounter(table, me, -live.length) },
      ])
    ).length;
  if (ids !== 'all') {
    const keys = [...new Set(ids)].map((id) => ({ pk: sysPk(me), sk: msgSk(id) }));
    let updated = 0;
    for (const part of chunk(keys, 99)) updated += await mark(part);
    return updated;
  }
  let updated = 0;
  for (;;) {
    const { items, last } = await query(table, {
      IndexName: INDEX.unread,
      KeyConditionExpression: 'gsi1pk = :k',
      ExpressionAttributeValues: { ':k': unreadSystemPk(me) },
      Limit: 99,
    });
    if (items.length === 0) break;
    updated += await mark(items.map((i) => ({ pk: i.pk as string, sk: i.sk as string })));
    if (!last) break;
  }
  return updated;
}
