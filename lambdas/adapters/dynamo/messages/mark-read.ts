/**
 * Read state: a conversation's unread messages from one peer, or my system messages (some or all), marked read —
 * each batch in one transaction with the counters it changes (and, for a conversation, the peer's read receipt).
 */
import { chunk } from '../../../core/concurrency';
import { INDEX, convSk, msgSk, sysPk, unreadChatPk, unreadSystemPk, userPk, type Key } from '../keys';
import { SHARED, commitEntries } from '../transact';
import { conversationUnread, counter, markItemRead, type Item } from './items';
import { query } from './query';

/** Marks every unread message peer -> me read; returns how many and the newest id marked. */
export async function markConversationRead(table: string, me: string, peer: string): Promise<{ updated: number; upTo: string | null }> {
  let updated = 0;
  let upTo: string | null = null;
  for (;;) {
    const { items, last } = await query(table, {
      IndexName: INDEX.unread,
      KeyConditionExpression: 'gsi1pk = :u',
      ExpressionAttributeValues: { ':u': unreadChatPk(me, peer) },
      Limit: 96,
    });
    if (items.length === 0) break;
    const done = await commitEntries(items, (live) => {
      const newest = live.reduce((a, i) => (String(i.id) > a ? String(i.id) : a), '');
      return [
        ...live.map((i, n) => ({ name: n, item: markItemRead(table, i) })),
        { name: SHARED, item: conversationUnread(table, me, peer, -live.length) },
        { name: SHARED, item: counter(table, me, 'chat', -live.length) },
        {
          name: SHARED,
          item: {
            Update: {
              TableName: table,
              Key: { pk: userPk(peer), sk: convSk(me) },
              UpdateExpression: 'SET peerReadUpTo = :up',
              ExpressionAttributeValues: { ':up': newest },
            },
          },
        },
      ];
    });
    updated += done.length;
    for (const i of done) if (upTo === null || String(i.id) > upTo) upTo = String(i.id);
    if (!last) break;
  }
  return { updated, upTo };
}

/** Marks these system messages of mine (or all unread ones) read; returns how many were unread. */
export async function markSystemRead(table: string, me: string, ids: string[] | 'all'): Promise<number> {
  const mark = async (keys: Key[]) =>
    (
      await commitEntries(keys, (live) => [
        ...live.map((k, n) => ({ name: n, item: markItemRead(table, k as unknown as Item) })),
        { name: SHARED, item: counter(table, me, 'system', -live.length) },
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
