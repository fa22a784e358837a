/**
 * Append the system messages of one event: per recipient the (event, recipient) claim, the message and its counter,
 * 33 recipients (99 items) a transaction; a claim already taken drops that recipient (a redelivery stores nothing
 * twice). Returns only the newly stored messages.
 */
import { chunk } from '../../../core/concurrency';
import type { Message } from '../../../contract/messages';
import { eventPk, sysPk } from '../keys';
import { commitEntries } from '../transact';
import { systemCounter, messageItem, nowSeconds } from './items';

/** EventBridge retries for at most 24 hours; claims outlive that. */
const EVENT_TTL_SECONDS = 7 * 24 * 3600;

export async function appendSystem(table: string, eventId: string, messages: Message[]): Promise<Message[]> {
  const stored: Message[] = [];
  for (const part of chunk(messages, 33)) {
    const done = await commitEntries(part, (live) => [
      ...live.map((m, n) => ({
        name: n,
        item: {
          Put: {
            TableName: table,
            Item: { pk: eventPk(eventId), sk: m.toUserId, messageId: m.id, expiresAt: nowSeconds() + EVENT_TTL_SECONDS },
            ConditionExpression: 'attribute_not_exists(pk)',
          },
        },
      })),
      ...live.map((m, n) => ({ name: n, item: { Put: { TableName: table, Item: messageItem(m, sysPk(m.toUserId)) } } })),
      ...live.map((m, n) => ({ name: n, item: systemCounter(table, m.toUserId, 1) })),
    ]);
    stored.push(...done);
  }
  return stored;
}
