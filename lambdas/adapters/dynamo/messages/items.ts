/**
 * Messages on the main table, in one place: the item <-> Message mappers and the transaction items that several
 * access patterns share (counters, read state, the friendship check). The key builders they use are in ../keys.ts
 * (shared with the friend graph and the rate windows). Each access pattern is its own module beside this one
 * (history, system-list, conversations, counts, mark-read, delete, append-chat, append-system, typing), a set of
 * plain functions taking the table name; lambdas/adapters/container.ts composes from them exactly the port methods
 * a handler needs, so a handler's bundle carries only the access patterns it uses.
 *
 * Every write that changes what a user would count changes the matching counters in the same transaction, so
 * counters always equal what they count (docs/DATA.md).
 */
import type { Attachment, Message, MessageType, StoredAttachment } from '../../../contract/messages';
import type { StoredMessage } from '../../../core/ports';
import { COUNTS_SK, msgSk, pairKey, unreadSystemPk, userPk } from '../keys';
import type { TxItem } from '../transact';

export type Item = Record<string, unknown>;

/**
 * A stored message. A system message is unread while it has its `unread` index key; a chat message is read once
 * its recipient's watermark on the pair item has reached it (`recipientRead`: that watermark, from pair.ts).
 */
export function toMessage(item: Item, recipientRead?: string | null): StoredMessage {
  const chat = String(item.pk).startsWith('CONV#');
  return {
    id: item.id as string,
    fromUserId: (item.fromUserId as string | null | undefined) ?? null,
    toUserId: item.toUserId as string,
    messageType: item.messageType as MessageType,
    content: item.content as string,
    metadata: typeof item.metadata === 'string' ? (JSON.parse(item.metadata) as Record<string, unknown>) : null,
    isRead: chat ? typeof recipientRead === 'string' && String(item.id) <= recipientRead : item.gsi1pk === undefined,
    createdAt: item.createdAt as string,
    clientMessageId: (item.clientMessageId as string | null | undefined) ?? null,
    attachments: unsignedAttachments(item.attachments),
    deletedAt: (item.deletedAt as string | undefined) ?? null,
  };
}

/**
 * A stored attachment list ({id, contentType, size, width, height}, no URLs). Typed as the public list because
 * messages travel as `Message` between the adapters and the domain; the domain adds the signed URLs at read time
 * (core/attachments.ts signMessage) before anything leaves a handler.
 */
export function unsignedAttachments(raw: unknown): Attachment[] {
  if (!Array.isArray(raw)) return [];
  return raw.map((a: StoredAttachment) => ({ id: a.id, contentType: a.contentType, size: Number(a.size), width: Number(a.width), height: Number(a.height) })) as Attachment[];
}

/** The list as the message item and the conversation row keep it: without URLs. */
export const storedAttachments = (list: readonly StoredAttachment[] | undefined): StoredAttachment[] =>
  (list ?? []).map((a) => ({ id: a.id, contentType: a.contentType, size: a.size, width: a.width, height: a.height }));

/** The public shape (drops storage-only fields). */
export function publicMessage(m: StoredMessage | Message): Message {
  return {
    id: m.id,
    fromUserId: m.fromUserId,
    toUserId: m.toUserId,
    messageType: m.messageType,
    content: m.content,
    metadata: m.metadata,
    isRead: m.isRead,
    createdAt: m.createdAt,
    clientMessageId: m.clientMessageId,
    attachments: storedAttachments(m.attachments) as Attachment[],
  };
}

/**
 * The stored item of a message under `pk` (its conversation or its recipient's system list). A system message
 * carries its unread index key while unread; a chat message carries no index key at all (its read state is the
 * pair item's watermark — issue #15: no index write per message).
 */
export function messageItem(m: Message, pk: string): Item {
  return {
    pk,
    sk: msgSk(m.id),
    id: m.id,
    fromUserId: m.fromUserId,
    toUserId: m.toUserId,
    messageType: m.messageType,
    content: m.content,
    metadata: m.metadata === null ? null : JSON.stringify(m.metadata),
    createdAt: m.createdAt,
    clientMessageId: m.clientMessageId,
    ...(m.attachments?.length ? { attachments: storedAttachments(m.attachments) } : {}),
    ...(m.isRead || m.fromUserId !== null ? {} : { gsi1pk: unreadSystemPk(m.toUserId), gsi1sk: m.id }),
  };
}

export const nowSeconds = () => Math.floor(Date.now() / 1000);

// ---------- transaction items shared by several access patterns ----------

/** A user's unread system-message counter moved by `delta` (chat counts live on the pair items since issue #15). */
export function systemCounter(table: string, userId: string, delta: number): TxItem {
  return {
    Update: {
      TableName: table,
      Key: { pk: userPk(userId), sk: COUNTS_SK },
      UpdateExpression: 'ADD #f :d',
      ExpressionAttributeNames: { '#f': 'system' },
      ExpressionAttributeValues: { ':d': delta },
    },
  };
}

/** A message (by its key) read: its unread keys removed — only if it is unread and not deleted. */
export function markItemRead(table: string, i: Item): TxItem {
  return {
    Update: {
      TableName: table,
      Key: { pk: i.pk, sk: i.sk },
      UpdateExpression: 'REMOVE gsi1pk, gsi1sk',
      ConditionExpression: 'attribute_exists(gsi1pk) AND attribute_not_exists(deletedAt)',
    },
  };
}

/** Condition: `from` and `to` are friends (the pair item's flag, written with the friend rows). */
export function friendCheck(table: string, from: string, to: string): TxItem {
  return {
    ConditionCheck: {
      TableName: table,
      Key: pairKey(from, to),
      ConditionExpression: 'friend = :yes',
      ExpressionAttributeValues: { ':yes': true },
    },
  };
}
