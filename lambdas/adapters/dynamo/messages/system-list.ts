/** A user's system messages, newest first: all of them, or only the unread ones (the sparse `unread` index). */
import type { Message, Page } from '../../../contract/messages';
import { INDEX, msgSk, sysPk, unreadSystemPk } from '../keys';
import { publicMessage, toMessage, type Item } from './items';
import { queryLive, type QueryInput } from './query';

export async function systemList(table: string, me: string, q: { limit: number; before?: string; unreadOnly: boolean }): Promise<Page<Message>> {
  const values: Item = {};
  let condition: string;
  const input: QueryInput = { ScanIndexForward: false };
  if (q.unreadOnly) {
    input.IndexName = INDEX.unread;
    condition = 'gsi1pk = :k';
    values[':k'] = unreadSystemPk(me);
    if (q.before) {
      condition += ' AND gsi1sk < :b';
      values[':b'] = q.before;
    }
  } else {
    condition = 'pk = :k';
    values[':k'] = sysPk(me);
    if (q.before) {
      condition += ' AND sk < :b';
      values[':b'] = msgSk(q.before);
    } else {
      condition += ' AND begins_with(sk, :p)';
      values[':p'] = 'MSG#';
    }
  }
  const items = await queryLive(table, { ...input, KeyConditionExpression: condition, ExpressionAttributeValues: values }, q.limit + 1);
  return { items: items.slice(0, q.limit).map((i) => publicMessage(toMessage(i))), hasMore: items.length > q.limit };
}
