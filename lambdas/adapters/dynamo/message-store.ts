/**
 * MessageStore on the main table: the reads (message-reader.ts) and the read-state and delete writes
 * (message-updater.ts) it extends, plus the writes that create messages — chat send with its friendship check,
 * rate window and clientMessageId claim, typing's rate window, system messages. Every write that changes what a user
 * would count changes the matching counters in the same transaction, so counters always equal what they count.
 */
import { AppError, notFriends, rateLimited } from '../../core/errors';
import { chunk } from '../../core/concurrency';
import type { Message } from '../../contract/messages';
import type { AppendChatResult, MessageStore, RateRule } from '../../core/ports';
import { publicMessage, toMessage, type Item } from './message-reader';
import { DynamoMessageUpdater } from './message-updater';
import { cmidPk, convPk, convSk, eventPk, friendSk, msgSk, sysPk, unreadPk, userPk, type Key } from './keys';
import { firstBranch, nextBranch, rateUpdate, remember } from './rate';
import { commitEntries, transact, type TxItem } from './transact';

export { publicMessage, toMessage };

/** Idempotency rows for clientMessageId live this long (a client retry comes within minutes). */
const CMID_TTL_SECONDS = 7 * 24 * 3600;
/** EventBridge retries for at most 24 hours; claims outlive that. */
const EVENT_TTL_SECONDS = 7 * 24 * 3600;

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
    ...(m.isRead ? {} : { gsi1pk: unreadPk(m.toUserId, m.fromUserId), gsi1sk: m.id }),
  };
}

const nowSeconds = () => Math.floor(Date.now() / 1000);

export class DynamoMessageStore extends DynamoMessageUpdater implements MessageStore {
  // ---------- building blocks ----------

  private friendCheck(from: string, to: string): TxItem {
    return {
      ConditionCheck: {
        TableName: this.table,
        Key: { pk: userPk(from), sk: friendSk(to) },
        ConditionExpression: 'attribute_exists(pk)',
      },
    };
  }

  /** Conversation row of `owner` with `peer`: last message (only if newer than the one it has) and unread delta. */
  private conversationUpdate(owner: string, peer: string, m: Message, unreadDelta: number, withLast: boolean): TxItem {
    const values: Item = { ':d': unreadDelta, ':peer': peer };
    let set = 'peerId = :peer';
    let condition: string | undefined;
    if (withLast) {
      set += ', lastMessage = :last, updatedAt = :at, gsi2pk = :gpk, gsi2sk = :id';
      Object.assign(values, { ':last': JSON.stringify(publicMessage(m)), ':at': m.createdAt, ':gpk': userPk(owner), ':id': m.id });
      condition = 'attribute_not_exists(gsi2sk) OR gsi2sk < :id';
    }
    return {
      Update: {
        TableName: this.table,
        Key: { pk: userPk(owner), sk: convSk(peer) },
        UpdateExpression: `SET ${set} ADD unread :d`,
        ...(condition ? { ConditionExpression: condition } : {}),
        ExpressionAttributeValues: values,
      },
    };
  }

  // ---------- chat ----------

  async appendChat(m: Message, rate: RateRule): Promise<AppendChatResult> {
    const from = m.fromUserId as string;
    const to = m.toUserId;
    const cmidKey = { pk: cmidPk(from), sk: m.clientMessageId as string };
    const now = Date.now();
    let branch = firstBranch(from, rate, now);
    const build = (withLast: [boolean, boolean]): TxItem[] => [
      this.friendCheck(from, to),
      rateUpdate(this.table, from, rate, branch, now),
      {
        Put: {
          TableName: this.table,
          Item: { ...cmidKey, message: JSON.stringify(m), expiresAt: nowSeconds() + CMID_TTL_SECONDS },
          ConditionExpression: 'attribute_not_exists(pk)',
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        },
      },
      { Put: { TableName: this.table, Item: messageItem(m, convPk(from, to)), ConditionExpression: 'attribute_not_exists(pk)' } },
      this.conversationUpdate(from, to, m, 0, withLast[0]),
      this.conversationUpdate(to, from, m, 1, withLast[1]),
      this.counter(to, 'chat', 1),
    ];
    let withLast: [boolean, boolean] = [true, true];
    for (let attempt = 0; attempt < 4; attempt++) {
      const result = await transact(build(withLast));
      if (result.ok) {
        remember(from, rate, now, branch);
        return { status: 'stored', message: m };
      }
      const [friend, rateReason, cmid, , mine, theirs] = result.reasons;
      if (cmid.code === 'ConditionalCheckFailed') return this.duplicate(cmidKey, cmid.item);
      const next = rateReason.code === 'ConditionalCheckFailed' ? nextBranch(branch, rateReason.item, rate, now) : branch;
      if (friend.code === 'ConditionalCheckFailed' || next === 'limited') {
        // A resend of an already stored message still gets its ack, even when the sender is now limited.
        const earlier = await this.get(cmidKey, true);
        if (earlier) return this.duplicate(cmidKey, earlier);
        throw friend.code === 'ConditionalCheckFailed' ? notFriends() : rateLimited();
      }
      // The rate row was in the other state than guessed: the same message again with the other branch.
      branch = next;
      // A newer message reached a conversation row first: keep its lastMessage, still count this one.
      withLast = [withLast[0] && mine.code !== 'ConditionalCheckFailed', withLast[1] && theirs.code !== 'ConditionalCheckFailed'];
    }
    throw new AppError('INTERNAL', 'could not store the message; please retry');
  }

  private async duplicate(key: Key, item?: Item): Promise<AppendChatResult> {
    const row = item ?? (await this.get(key, true));
    if (!row || typeof row.message !== 'string') throw new AppError('INTERNAL', 'could not read the original message; please retry');
    const original = JSON.parse(row.message) as Message;
    // Report its current read state.
    const current = await this.get({ pk: convPk(original.fromUserId as string, original.toUserId), sk: msgSk(original.id) }, true);
    return { status: 'duplicate', message: current ? publicMessage(toMessage(current)) : original };
  }

  async allowTyping(from: string, to: string, rate: RateRule): Promise<void> {
    const now = Date.now();
    let branch = firstBranch(from, rate, now);
    for (let attempt = 0; attempt < 2; attempt++) {
      const result = await transact([this.friendCheck(from, to), rateUpdate(this.table, from, rate, branch, now)]);
      if (result.ok) {
        remember(from, rate, now, branch);
        return;
      }
      if (result.reasons[0].code === 'ConditionalCheckFailed') throw notFriends();
      const next = nextBranch(branch, result.reasons[1].item, rate, now);
      if (next === 'limited') break;
      branch = next;
    }
    throw rateLimited();
  }

  // ---------- system messages ----------

  async appendSystem(eventId: string, messages: Message[]): Promise<Message[]> {
    const stored: Message[] = [];
    // Per recipient: claim (event, recipient), store the message, count it — 3 items, 33 recipients a transaction.
    for (const part of chunk(messages, 33)) {
      const done = await commitEntries(part, (live) => [
        ...live.map(
          (m): TxItem => ({
            Put: {
              TableName: this.table,
              Item: { pk: eventPk(eventId), sk: m.toUserId, messageId: m.id, expiresAt: nowSeconds() + EVENT_TTL_SECONDS },
              ConditionExpression: 'attribute_not_exists(pk)',
            },
          }),
        ),
        ...live.map((m): TxItem => ({ Put: { TableName: this.table, Item: messageItem(m, sysPk(m.toUserId)) } })),
        ...live.map((m) => this.counter(m.toUserId, 'system', 1)),
      ]);
      stored.push(...done);
    }
    return stored;
  }
}
