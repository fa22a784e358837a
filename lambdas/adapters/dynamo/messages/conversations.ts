/** The conversation list: my conversation rows on the `recent` index, most recent first, paged by last message id. */
import type { ConversationSummary, Message, Page } from '../../../contract/messages';
import { INDEX, userPk } from '../keys';
import type { Item } from './items';
import { query } from './query';

export async function conversations(table: string, me: string, q: { limit: number; before?: string }): Promise<Page<ConversationSummary>> {
  const values: Item = { ':me': userPk(me) };
  let condition = 'gsi2pk = :me';
  if (q.before) {
    condition += ' AND gsi2sk < :b';
    values[':b'] = q.before;
  }
  const { items } = await query(table, {
    IndexName: INDEX.recent,
    KeyConditionExpression: condition,
    ExpressionAttributeValues: values,
    ScanIndexForward: false,
    Limit: q.limit + 1,
  });
  const page = items.slice(0, q.limit).map((row) => {
    const last = JSON.parse(row.lastMessage as string) as Message;
    const unreadCount = Math.max(0, Number(row.unread ?? 0));
    // Read state of the snapshot: mine is read once the peer has read up to it; theirs once I have none unread.
    const isRead =
      last.fromUserId === me ? typeof row.peerReadUpTo === 'string' && row.peerReadUpTo >= last.id : unreadCount === 0;
    return { peerId: row.peerId as string, lastMessage: { ...last, isRead }, unreadCount, updatedAt: row.updatedAt as string };
  });
  return { items: page, hasMore: items.length > q.limit };
}
