/**
 * A conversation's messages, a page at a time (newest first, or oldest first after a cursor); soft-deleted skipped.
 * Read state comes from the pair item's watermarks, read beside the page (issue #15: no per-message read index).
 */
import type { Message, Page } from '../../../contract/messages';
import { convPk, msgSk } from '../keys';
import { publicMessage, toMessage, type Item } from './items';
import { readPair, recipientRead } from './pair';
import { queryLive } from './query';

export async function history(table: string, me: string, peer: string, q: { limit: number; before?: string; after?: string }): Promise<Page<Message>> {
  const pk = convPk(me, peer);
  const values: Item = { ':pk': pk };
  let condition = 'pk = :pk';
  if (q.after) {
    condition += ' AND sk > :c';
    values[':c'] = msgSk(q.after);
  } else if (q.before) {
    condition += ' AND sk < :c';
    values[':c'] = msgSk(q.before);
  } else {
    condition += ' AND begins_with(sk, :p)';
    values[':p'] = 'MSG#';
  }
  const ascending = Boolean(q.after);
  const [items, { view }] = await Promise.all([
    queryLive(table, { KeyConditionExpression: condition, ExpressionAttributeValues: values, ScanIndexForward: ascending }, q.limit + 1),
    readPair(table, me, peer, false),
  ]);
  const hasMore = items.length > q.limit;
  const page = items.slice(0, q.limit).map((i) => publicMessage(toMessage(i, recipientRead(view, { fromUserId: (i.fromUserId as string | null) ?? null }))));
  if (!ascending) page.reverse();
  return { items: page, hasMore };
}
