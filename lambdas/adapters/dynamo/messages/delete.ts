/**
 * Delete by id: find a message by its id (the keys-only `byId` index, then the item), and soft-delete it together
 * with the counters its unread state holds; a conversation row that showed it then shows the newest remaining one.
 */
import type { Message } from '../../../contract/messages';
import type { StoredMessage } from '../../../core/ports';
import { batchGetAll } from '../batch';
import { INDEX, convPk, convSk, msgSk, sysPk, userPk } from '../keys';
import { transact, type Named } from '../transact';
import { conversationUnread, counter, publicMessage, toMessage } from './items';
import { getItem, query, queryLive } from './query';

/** A message by id, deleted or not; null when there is none. */
export async function findById(table: string, id: string): Promise<StoredMessage | null> {
  const { items } = await query(table, {
    IndexName: INDEX.byId,
    KeyConditionExpression: 'id = :id',
    ExpressionAttributeValues: { ':id': id },
    Limit: 1,
  });
  if (items.length === 0) return null;
  const item = await getItem(table, { pk: items[0].pk as string, sk: items[0].sk as string }, true);
  return item ? toMessage(item) : null;
}

/** Soft-deletes; keeps counters and the conversation rows right. false if it was already deleted. */
export async function softDelete(table: string, message: StoredMessage): Promise<boolean> {
  const pk = message.messageType === 'CHAT' ? convPk(message.fromUserId as string, message.toUserId) : sysPk(message.toUserId);
  const key = { pk, sk: msgSk(message.id) };
  let current: StoredMessage | null = message;
  for (let attempt = 0; attempt < 4 && current && current.deletedAt === null; attempt++) {
    const unread = !current.isRead;
    const items: Array<Named<'message' | 'counters'>> = [
      {
        name: 'message',
        item: {
          Update: {
            TableName: table,
            Key: key,
            UpdateExpression: 'SET deletedAt = :now REMOVE gsi1pk, gsi1sk',
            ConditionExpression: `attribute_not_exists(deletedAt) AND ${unread ? 'attribute_exists' : 'attribute_not_exists'}(gsi1pk)`,
            ExpressionAttributeValues: { ':now': new Date().toISOString() },
          },
        },
      },
    ];
    if (unread) {
      if (message.messageType === 'CHAT') {
        items.push(
          { name: 'counters', item: conversationUnread(table, message.toUserId, message.fromUserId as string, -1) },
          { name: 'counters', item: counter(table, message.toUserId, 'chat', -1) },
        );
      } else {
        items.push({ name: 'counters', item: counter(table, message.toUserId, 'system', -1) });
      }
    }
    const result = await transact(items);
    if (result.ok) {
      if (message.messageType === 'CHAT') await repairLastMessage(table, message);
      return true;
    }
    const row = await getItem(table, key, true); // read state changed under us: look again
    current = row ? toMessage(row) : null;
  }
  return false;
}

/** If a conversation row showed the deleted message, show the newest remaining one (or drop it from the list). */
async function repairLastMessage(table: string, deleted: Message): Promise<void> {
  const a = deleted.fromUserId as string;
  const b = deleted.toUserId;
  const rows = await batchGetAll(table, [
    { pk: userPk(a), sk: convSk(b) },
    { pk: userPk(b), sk: convSk(a) },
  ]);
  const stale = rows.filter((r) => r.gsi2sk === deleted.id);
  if (stale.length === 0) return;
  const [latest] = await queryLive(
    table,
    {
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :p)',
      ExpressionAttributeValues: { ':pk': convPk(a, b), ':p': 'MSG#' },
      ScanIndexForward: false,
    },
    1,
  );
  for (const row of stale) {
    const update = latest
      ? {
          UpdateExpression: 'SET lastMessage = :last, updatedAt = :at, gsi2sk = :id',
          ExpressionAttributeValues: {
            ':last': JSON.stringify(publicMessage(toMessage(latest))),
            ':at': latest.createdAt,
            ':id': latest.id,
            ':gone': deleted.id,
          },
        }
      : { UpdateExpression: 'REMOVE lastMessage, gsi2pk, gsi2sk', ExpressionAttributeValues: { ':gone': deleted.id } };
    // Only if no newer message has replaced it meanwhile.
    await transact([
      { name: 'conversation', item: { Update: { TableName: table, Key: { pk: row.pk, sk: row.sk }, ConditionExpression: 'gsi2sk = :gone', ...update } } },
    ]);
  }
}
