/**
 * The conversation list: my side's entries of the pair items, most recent first, paged by last message id. A user
 * is the `lo` side of some pairs and the `hi` side of others (`sideLo` / `sideHi` indexes), and each side's key is
 * `U#<lastId>` (unread) or `R#<lastId>` (read): four sorted ranges, each read up to a page and merged — 4 Queries —
 * then the page's last messages in one BatchGetItem.
 */
import type { ConversationSummary, Page } from '../../../contract/messages';
import { batchGetAll } from '../batch';
import { convPk, msgSk, sideAttrs, sideIndex, userPk, type Side } from '../keys';
import { publicMessage, toMessage, type Item } from './items';
import { viewOf } from './pair';
import { query } from './query';

/** Up to `want` of my entries in one range (prefix 'U' or 'R') of one side's index, newest first, below `before`. */
async function range(table: string, me: string, side: Side, prefix: 'U' | 'R', want: number, before?: string): Promise<Item[]> {
  const a = sideAttrs(side);
  const { items } = await query(table, {
    IndexName: sideIndex(side),
    KeyConditionExpression: before ? '#pk = :me AND #sk BETWEEN :lo AND :hi' : '#pk = :me AND begins_with(#sk, :lo)',
    ExpressionAttributeNames: { '#pk': a.pk, '#sk': a.sk },
    ExpressionAttributeValues: { ':me': userPk(me), ':lo': `${prefix}#`, ...(before ? { ':hi': `${prefix}#${before}` } : {}) },
    ScanIndexForward: false,
    // One more than the page, and one more again for the item AT `before` that BETWEEN includes.
    Limit: want + (before ? 1 : 0),
  });
  return before ? items.filter((i) => i.lastId !== before) : items;
}

export async function conversations(table: string, me: string, q: { limit: number; before?: string }): Promise<Page<ConversationSummary>> {
  const want = q.limit + 1;
  const ranges = await Promise.all(
    (['Lo', 'Hi'] as const).flatMap((side) => (['U', 'R'] as const).map((prefix) => range(table, me, side, prefix, want, q.before))),
  );
  const merged = ranges
    .flat()
    .sort((x, y) => (String(x.lastId) < String(y.lastId) ? 1 : String(x.lastId) > String(y.lastId) ? -1 : 0))
    .slice(0, want);
  const rows = merged.slice(0, q.limit);
  // The last messages themselves (the pair item keeps only the id: a long message would make it, and both its index
  // entries, cost more write units on every message).
  const lasts = new Map(
    (await batchGetAll(table, rows.map((r) => ({ pk: convPk(String(r.lo), String(r.hi)), sk: msgSk(String(r.lastId)) })))).map((i) => [String(i.id), i]),
  );
  const page = rows.flatMap((item) => {
    const peer = item.lo === me ? String(item.hi) : String(item.lo);
    const v = viewOf(item, me, peer);
    const found = lasts.get(String(item.lastId));
    if (!found) return []; // deleted in between: the pair item is being repaired
    const last = publicMessage(toMessage(found));
    // Read state of the snapshot: mine is read once the peer's watermark has reached it; theirs once mine has.
    const isRead = last.fromUserId === me ? v.peerRead !== null && v.peerRead >= last.id : v.unread === 0;
    return [{ peerId: peer, lastMessage: { ...last, isRead }, unreadCount: v.unread, updatedAt: v.updatedAt as string }];
  });
  return { items: page, hasMore: merged.length > q.limit };
}
