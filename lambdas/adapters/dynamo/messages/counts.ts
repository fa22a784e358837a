/**
 * Unread counts. System: my counters row (`system`, kept with the system messages' read state in their
 * transactions). Chat: the sum of my unread counts over the pair items where my side is unread — the `U#` range of
 * my entries in the two side indexes (2 Queries; only conversations with something unread are read).
 */
import type { UnreadCounts } from '../../../contract/messages';
import { batchGetAll } from '../batch';
import { COUNTS_SK, pairKey, sideAttrs, sideIndex, userPk, type Side } from '../keys';
import type { Item } from './items';
import { viewOf } from './pair';
import { getItem, query } from './query';

async function unreadOnSide(table: string, me: string, side: Side): Promise<number> {
  const a = sideAttrs(side);
  let total = 0;
  let start: Item | undefined;
  do {
    const { items, last } = await query(table, {
      IndexName: sideIndex(side),
      KeyConditionExpression: '#pk = :me AND begins_with(#sk, :u)',
      ExpressionAttributeNames: { '#pk': a.pk, '#sk': a.sk, '#n': a.unread },
      ExpressionAttributeValues: { ':me': userPk(me), ':u': 'U#' },
      ProjectionExpression: '#n',
      ...(start ? { ExclusiveStartKey: start } : {}),
    });
    for (const i of items) total += Math.max(0, Number(i[a.unread] ?? 0));
    start = last;
  } while (start);
  return total;
}

export async function unreadCounts(table: string, me: string): Promise<UnreadCounts> {
  const [row, lo, hi] = await Promise.all([getItem(table, { pk: userPk(me), sk: COUNTS_SK }), unreadOnSide(table, me, 'Lo'), unreadOnSide(table, me, 'Hi')]);
  const chat = lo + hi;
  const system = Math.max(0, Number(row?.system ?? 0));
  return { chat, system, total: chat + system };
}

/** My unread chat counts with these peers (from our pair items; absent where there is none). */
export async function unreadByPeer(table: string, me: string, peers: string[]): Promise<Map<string, number>> {
  const rows = await batchGetAll(table, peers.map((p) => ({ ...pairKey(me, p) })));
  return new Map(
    rows.map((r) => {
      const peer = r.lo === me ? String(r.hi) : String(r.lo);
      return [peer, viewOf(r, me, peer).unread];
    }),
  );
}
