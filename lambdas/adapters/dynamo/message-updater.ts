/**
 * The writes to messages that already exist — read state and soft deletion — on top of the reads of
 * DynamoMessageReader (message-reader.ts). DynamoMessageStore (message-store.ts) extends it with the writes that
 * create messages (chat send, system messages) and the rate windows; routes that only mark read or delete bundle
 * only this. Every write that changes what a user would count changes the matching counters in the same transaction,
 * so counters always equal what they count.
 */
import { chunk } from '../../core/concurrency';
import type { Message } from '../../contract/messages';
import type { StoredMessage } from '../../core/ports';
import { COUNTS_SK, INDEX, convPk, convSk, msgSk, sysPk, unreadChatPk, unreadSystemPk, userPk, type Key } from './keys';
import { DynamoMessageReader, publicMessage, toMessage, type Item } from './message-reader';
import { commitEntries, transact, type TxItem } from './transact';

export class DynamoMessageUpdater extends DynamoMessageReader {
  // ---------- building blocks ----------

  protected counter(userId: string, field: 'chat' | 'system', delta: number): TxItem {
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

  // ---------- read state ----------

  async markConversationRead(me: string, peer: string): Promise<{ updated: number; upTo: string | null }> {
    let updated = 0;
    let upTo: string | null = null;
    for (;;) {
      const { items, last } = await this.query({
        IndexName: INDEX.unread,
        KeyConditionExpression: 'gsi1pk = :u',
        ExpressionAttributeValues: { ':u': unreadChatPk(me, peer) },
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
        ExpressionAttributeValues: { ':k': unreadSystemPk(me) },
        Limit: 99,
      });
      if (items.length === 0) break;
      updated += await mark(items.map((i) => ({ pk: i.pk as string, sk: i.sk as string })));
      if (!last) break;
    }
    return updated;
  }

  // ---------- delete ----------

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
