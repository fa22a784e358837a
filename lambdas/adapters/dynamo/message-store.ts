/**
 * MessageStore on the main table: the reads of DynamoMessageReader (message-reader.ts) plus the writes. Every write
 * that changes what a user would count (a message, its read state, its deletion) changes the matching counters in
 * the same transaction, so counters always equal what they count.
 */
import { AppError, notFriends, rateLimited } from '../../shared/errors';
import { chunk } from '../../core/concurrency';
import type { Message } from '../../core/model';
import type { AppendChatResult, MessageStore, RateRule, StoredMessage } from '../../core/ports';
import { DynamoMessageReader, publicMessage, toMessage, type Item } from './message-reader';
import {
  COUNTS_SK,
  INDEX,
  cmidPk,
  eventPk,
  convPk,
  convSk,
  friendSk,
  msgSk,
  ratePk,
  sysPk,
  unreadPk,
  userPk,
  type Key,
} from './keys';
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

export class DynamoMessageStore extends DynamoMessageReader implements MessageStore {
  // ---------- building blocks ----------

  private rateHit(userId: string, rate: RateRule): TxItem {
    const now = nowSeconds();
    const windowStart = now - (now % rate.windowSeconds);
    return {
      Update: {
        TableName: this.table,
        Key: { pk: ratePk(userId), sk: `${rate.kind}#${windowStart}` },
        UpdateExpression: 'ADD n :one SET expiresAt = :exp',
        ConditionExpression: 'attribute_not_exists(n) OR n < :limit',
        ExpressionAttributeValues: { ':one': 1, ':limit': rate.limit, ':exp': windowStart + 2 * rate.windowSeconds + 60 },
      },
    };
  }

  private friendCheck(from: string, to: string): TxItem {
    return {
      ConditionCheck: {
        TableName: this.table,
        Key: { pk: userPk(from), sk: friendSk(to) },
        ConditionExpression: 'attribute_exists(pk)',
      },
    };
  }

  private counter(userId: string, field: 'chat' | 'system', delta: number): TxItem {
    return {
      Update: {
        TableName: this.table,
        Key: { pk: userPk(userId), sk: COUNTS_SK },
        UpdateExpression: 'ADD #f :d',
        ExpressionAttributeNames: { '#f': field },
        ExpressionAttributeValues: { ':d': delta },
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
    const build = (withLast: [boolean, boolean]): TxItem[] => [
      this.friendCheck(from, to),
      this.rateHit(from, rate),
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
    for (let attempt = 0; attempt < 3; attempt++) {
      const result = await transact(build(withLast));
      if (result.ok) return { status: 'stored', message: m };
      const [friend, rateReason, cmid, , mine, theirs] = result.reasons;
      if (cmid.code === 'ConditionalCheckFailed') return this.duplicate(cmidKey, cmid.item);
      if (friend.code === 'ConditionalCheckFailed' || rateReason.code === 'ConditionalCheckFailed') {
        // A resend of an already stored message still gets its ack, even when the sender is now limited.
        const earlier = await this.get(cmidKey, true);
        if (earlier) return this.duplicate(cmidKey, earlier);
        throw friend.code === 'ConditionalCheckFailed' ? notFriends() : rateLimited();
      }
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
    const result = await transact([this.friendCheck(from, to), this.rateHit(from, rate)]);
    if (result.ok) return;
    throw result.reasons[0].code === 'ConditionalCheckFailed' ? notFriends() : rateLimited();
  }

  async markConversationRead(me: string, peer: string): Promise<{ updated: number; upTo: string | null }> {
    let updated = 0;
    let upTo: string | null = null;
    for (;;) {
      const { items, last } = await this.query({
        IndexName: INDEX.unread,
        KeyConditionExpression: 'gsi1pk = :u',
        ExpressionAttributeValues: { ':u': unreadPk(me, peer) },
        Limit: 96,
      });
      if (items.length === 0) break;
      const done = await commitEntries(items, (live) => {
        const newest = live.reduce((a, i) => (String(i.id) > a ? String(i.id) : a), '');
        return [
          ...live.map((i) => this.markItemRead(i)),
          this.conversationUnread(me, peer, -live.length),
          this.counter(me, 'chat', -live.length),
          {
            Update: {
              TableName: this.table,
              Key: { pk: userPk(peer), sk: convSk(me) },
              UpdateExpression: 'SET peerReadUpTo = :up',
              ExpressionAttributeValues: { ':up': newest },
            },
          },
        ];
      });
      updated += done.length;
      for (const i of done) if (upTo === null || String(i.id) > upTo) upTo = String(i.id);
      if (!last) break;
    }
    return { updated, upTo };
  }

  private markItemRead(i: Item): TxItem {
    return {
      Update: {
        TableName: this.table,
        Key: { pk: i.pk, sk: i.sk },
        UpdateExpression: 'REMOVE gsi1pk, gsi1sk',
        ConditionExpression: 'attribute_exists(gsi1pk) AND attribute_not_exists(deletedAt)',
      },
    };
  }

  private conversationUnread(owner: string, peer: string, delta: number): TxItem {
    return {
      Update: {
        TableName: this.table,
        Key: { pk: userPk(owner), sk: convSk(peer) },
        UpdateExpression: 'ADD unread :d',
        ExpressionAttributeValues: { ':d': delta },
      },
    };
  }

  // ---------- system messages ----------

  async markSystemRead(me: string, ids: string[] | 'all'): Promise<number> {
    const mark = async (keys: Key[]) =>
      (
        await commitEntries(keys, (live) => [
          ...live.map((k) => this.markItemRead(k as unknown as Item)),
          this.counter(me, 'system', -live.length),
        ])
      ).length;
    if (ids !== 'all') {
      const keys = [...new Set(ids)].map((id) => ({ pk: sysPk(me), sk: msgSk(id) }));
      let updated = 0;
      for (const part of chunk(keys, 99)) updated += await mark(part);
      return updated;
    }
    let updated = 0;
    for (;;) {
      const { items, last } = await this.query({
        IndexName: INDEX.unread,
        KeyConditionExpression: 'gsi1pk = :k',
        ExpressionAttributeValues: { ':k': unreadPk(me, null) },
        Limit: 99,
      });
      if (items.length === 0) break;
      updated += await mark(items.map((i) => ({ pk: i.pk as string, sk: i.sk as string })));
      if (!last) break;
    }
    return updated;
  }

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

  // ---------- by id / delete ----------

  async softDelete(message: StoredMessage): Promise<boolean> {
    const pk = message.messageType === 'CHAT' ? convPk(message.fromUserId as string, message.toUserId) : sysPk(message.toUserId);
    const key = { pk, sk: msgSk(message.id) };
    let current: StoredMessage | null = message;
    for (let attempt = 0; attempt < 4 && current && current.deletedAt === null; attempt++) {
      const unread = !current.isRead;
      const items: TxItem[] = [
        {
          Update: {
            TableName: this.table,
            Key: key,
            UpdateExpression: 'SET deletedAt = :now REMOVE gsi1pk, gsi1sk',
            ConditionExpression: `attribute_not_exists(deletedAt) AND ${unread ? 'attribute_exists' : 'attribute_not_exists'}(gsi1pk)`,
            ExpressionAttributeValues: { ':now': new Date().toISOString() },
          },
        },
      ];
      if (unread) {
        if (message.messageType === 'CHAT') {
          items.push(this.conversationUnread(message.toUserId, message.fromUserId as string, -1), this.counter(message.toUserId, 'chat', -1));
        } else {
          items.push(this.counter(message.toUserId, 'system', -1));
        }
      }
      const result = await transact(items);
      if (result.ok) {
        if (message.messageType === 'CHAT') await this.repairLastMessage(message);
        return true;
      }
      const row = await this.get(key, true); // read state changed under us: look again
      current = row ? toMessage(row) : null;
    }
    return false;
  }

  /** If a conversation row showed the deleted message, show the newest remaining one (or drop it from the list). */
  private async repairLastMessage(deleted: Message): Promise<void> {
    const a = deleted.fromUserId as string;
    const b = deleted.toUserId;
    const rows = await this.batchGet([
      { pk: userPk(a), sk: convSk(b) },
      { pk: userPk(b), sk: convSk(a) },
    ]);
    const stale = rows.filter((r) => r.gsi2sk === deleted.id);
    if (stale.length === 0) return;
    const [latest] = await this.queryLive(
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
        { Update: { TableName: this.table, Key: { pk: row.pk, sk: row.sk }, ConditionExpression: 'gsi2sk = :gone', ...update } },
      ]);
    }
  }
}
