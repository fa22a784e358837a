/**
 * Append a chat message: in ONE transaction the sender's rate window, the clientMessageId claim, the message
 * (unread), both conversation rows and the recipient's unread counter. The friendship check is the condition of the
 * sender's conversation row (`friend = true`, written by befriend/unfriend with the friend rows; issue #15: one
 * transaction item — 2 write units — less than a separate ConditionCheck). Failures are read by item name: a claimed
 * clientMessageId yields the original message, 'senderConversation' NOT_FRIENDS (its old item says `friend` is not
 * true) or a newer message reached it first, 'rate' the other rate branch or RATE_LIMITED, a conversation row that
 * a newer message reached keeps its last message.
 */
import type { Message } from '../../../contract/messages';
import type { AppendChatResult, RateRule } from '../../../core/ports';
import { AppError, badRequest, notFriends, rateLimited } from '../../../core/errors';
import { ATT_SK, attPk, cmidPk, convPk, convSk, msgSk, userPk, type Key } from '../keys';
import { firstBranch, nextBranch, rateUpdate, remember } from '../rate';
import { transact, type Named, type TxItem } from '../transact';
import { counter, messageItem, nowSeconds, publicMessage, toMessage, type Item } from './items';
import { getItem } from './query';

/** Idempotency rows for clientMessageId live this long (a client retry comes within minutes). */
const CMID_TTL_SECONDS = 7 * 24 * 3600;

type ChatItem =
  | 'rate'
  | 'clientMessageId'
  | 'message'
  | 'senderConversation'
  | 'recipientConversation'
  | 'recipientCounter'
  | `attachment:${number}`;

/**
 * The claim on one attachment (design-14 "send"): the sender's own, ready, not yet sent — then it belongs to this
 * message (messageId set) and no longer expires (expiresAt removed).
 */
function attachmentClaim(table: string, attachmentId: string, from: string, messageId: string): TxItem {
  return {
    Update: {
      TableName: table,
      Key: { pk: attPk(attachmentId), sk: ATT_SK },
      UpdateExpression: 'SET messageId = :mid REMOVE expiresAt',
      ConditionExpression: 'ownerId = :from AND #status = :ready AND attribute_not_exists(messageId)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':mid': messageId, ':from': from, ':ready': 'ready' },
    },
  };
}

/**
 * Conversation row of `owner` with `peer`: last message (only if newer than the one it has) and unread delta; with
 * `requireFriend`, only while `owner` has `peer` as a friend (the row's `friend` flag) — the old row is returned on
 * failure, so the caller tells "not friends" from "a newer message got there first".
 */
function conversationUpdate(table: string, owner: string, peer: string, m: Message, unreadDelta: number, withLast: boolean, requireFriend = false): TxItem {
  const values: Item = { ':d': unreadDelta, ':peer': peer };
  let set = 'peerId = :peer';
  const conditions: string[] = [];
  if (requireFriend) {
    conditions.push('friend = :yes');
    values[':yes'] = true;
  }
  if (withLast) {
    set += ', lastMessage = :last, updatedAt = :at, gsi2pk = :gpk, gsi2sk = :id';
    Object.assign(values, { ':last': JSON.stringify(publicMessage(m)), ':at': m.createdAt, ':gpk': userPk(owner), ':id': m.id });
    conditions.push('(attribute_not_exists(gsi2sk) OR gsi2sk < :id)');
  }
  return {
    Update: {
      TableName: table,
      Key: { pk: userPk(owner), sk: convSk(peer) },
      UpdateExpression: `SET ${set} ADD unread :d`,
      ...(conditions.length ? { ConditionExpression: conditions.join(' AND ') } : {}),
      ...(requireFriend ? { ReturnValuesOnConditionCheckFailure: 'ALL_OLD' as const } : {}),
      ExpressionAttributeValues: values,
    },
  };
}

/** The contract's answer when an attachment can't be sent (design-14). */
export const ATTACHMENT_REFUSED = () => badRequest('an attachment is not yours, not ready or already sent');

export async function appendChat(table: string, m: Message, rate: RateRule): Promise<AppendChatResult> {
  const from = m.fromUserId as string;
  const to = m.toUserId;
  const cmidKey = { pk: cmidPk(from), sk: m.clientMessageId as string };
  const now = Date.now();
  let branch = firstBranch(from, rate, now);
  const build = (withLast: { sender: boolean; recipient: boolean }): Array<Named<ChatItem>> => [
    { name: 'rate', item: rateUpdate(table, from, rate, branch, now) },
    {
      name: 'clientMessageId',
      item: {
        Put: {
          TableName: table,
          Item: { ...cmidKey, message: JSON.stringify(m), expiresAt: nowSeconds() + CMID_TTL_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
    },
    { name: 'message', item: { Put: { TableName: table, Item: messageItem(m, convPk(from, to)), ConditionExpression: 'attribute_not_exists(pk)' } } },
    { name: 'senderConversation', item: conversationUpdate(table, from, to, m, 0, withLast.sender, true) },
    { name: 'recipientConversation', item: conversationUpdate(table, to, from, m, 1, withLast.recipient) },
    { name: 'recipientCounter', item: counter(table, to, 'chat', 1) },
    ...(m.attachments ?? []).map((a, i): Named<ChatItem> => ({ name: `attachment:${i}`, item: attachmentClaim(table, a.id, from, m.id) })),
  ];
  let withLast = { sender: true, recipient: true };
  for (let attempt = 0; attempt < 4; attempt++) {
    const result = await transact(build(withLast));
    if (result.ok) {
      remember(from, rate, now, branch);
      return { status: 'stored', message: m };
    }
    const { failed } = result;
    const cmid = failed.get('clientMessageId');
    if (cmid) return duplicate(table, cmidKey, cmid.item);
    if ([...failed.keys()].some((name) => name.startsWith('attachment:'))) throw ATTACHMENT_REFUSED();
    const rateRow = failed.get('rate');
    const next = rateRow ? nextBranch(branch, rateRow.item, rate, now) : branch;
    const senderRow = failed.get('senderConversation');
    const notFriend = senderRow !== undefined && senderRow.item?.friend !== true;
    if (notFriend || next === 'limited') {
      // A resend of an already stored message still gets its ack, even when the sender is now limited.
      const earlier = await getItem(table, cmidKey, true);
      if (earlier) return duplicate(table, cmidKey, earlier);
      throw notFriend ? notFriends() : rateLimited();
    }
    // The rate row was in the other state than guessed: the same message again with the other branch.
    branch = next;
    // A newer message reached a conversation row first: keep its lastMessage, still count this one.
    withLast = {
      sender: withLast.sender && !failed.has('senderConversation'),
      recipient: withLast.recipient && !failed.has('recipientConversation'),
    };
  }
  throw new AppError('INTERNAL', 'could not store the message; please retry');
}

async function duplicate(table: string, key: Key, item?: Item): Promise<AppendChatResult> {
  const row = item ?? (await getItem(table, key, true));
  if (!row || typeof row.message !== 'string') throw new AppError('INTERNAL', 'could not read the original message; please retry');
  const original = JSON.parse(row.message) as Message;
  // Report its current read state.
  const current = await getItem(table, { pk: convPk(original.fromUserId as string, original.toUserId), sk: msgSk(original.id) }, true);
  return { status: 'duplicate', message: current ? publicMessage(toMessage(current)) : original };
}
