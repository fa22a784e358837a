/** Unread counts: my counters row (one GetItem) and the unread counter of my conversation rows with some peers. */
import type { UnreadCounts } from '../../../contract/messages';
import { batchGetAll } from '../batch';
import { COUNTS_SK, convSk, userPk } from '../keys';
import { getItem } from './query';

export async function unreadCounts(table: string, me: string): Promise<UnreadCounts> {
  const row = await getItem(table, { pk: userPk(me), sk: COUNTS_SK });
  const chat = Math.max(0, Number(row?.chat ?? 0));
  const system = Math.max(0, Number(row?.system ?? 0));
  return { chat, system, total: chat + system };
}

/** Unread chat counters for these peers of mine (absent where there is no conversation row). */
export async function unreadByPeer(table: string, me: string, peers: string[]): Promise<Map<string, number>> {
  const rows = await batchGetAll(table, peers.map((p) => ({ pk: userPk(me), sk: convSk(p) })));
  return new Map(rows.map((r) => [r.peerId as string, Math.max(0, Number(r.unread ?? 0))]));
}
