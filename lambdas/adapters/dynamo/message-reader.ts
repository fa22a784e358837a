/**
 * The read side of the main table's messages: history, conversation list, unread counts, system list, find by id.
 * Apart from the writes (message-store.ts extends it) so that handlers which only read bundle only this.
 */
import { GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ConversationSummary, Message, MessageType, Page, UnreadCounts } from '../../contract/messages';
import type { StoredMessage } from '../../core/ports';
import { batchGetAll } from './batch';
import { documentClient } from './client';
import { COUNTS_SK, INDEX, convPk, convSk, msgSk, sysPk, unreadSystemPk, userPk, type Key } from './keys';

/** Queries that skip soft-deleted items stop after this many pages (bounds the cost of a page). */
const MAX_PAGES = 10;

export type Item = Record<string, unknown>;

export function toMessage(item: Item): StoredMessage {
  return {
    id: item.id as string,
    fromUserId: (item.fromUserId as string | null | undefined) ?? null,
    toUserId: item.toUserId as string,
    messageType: item.messageType as MessageType,
    content: item.content as string,
    metadata: typeof item.metadata === 'string' ? (JSON.parse(item.metadata) as Record<string, unknown>) : null,
    isRead: item.gsi1pk === undefined,
    createdAt: item.createdAt as string,
    clientMessageId: (item.clientMessageId as string | null | undefined) ?? null,
    deletedAt: (item.deletedAt as string | undefined) ?? null,
  };
}

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
  };
}

export class DynamoMessageReader {
  constructor(protected readonly table: string) {}

  protected async query(input: Omit<QueryCommandInput, 'TableName'>): Promise<{ items: Item[]; last?: Item }> {
    const out = await documentClient().send(new QueryCommand({ TableName: this.table, ...input }));
    return { items: (out.Items ?? []) as Item[], last: out.LastEvaluatedKey as Item | undefined };
  }

  /** Up to `want` items that are not soft-deleted, following pages (bounded). */

  /** Up to `want` items that are not soft-deleted, following pages (bounded). */
  protected async queryLive(input: Omit<QueryCommandInput, 'TableName'>, want: number): Promise<Item[]> {
    const found: Item[] = [];
    let start: Item | undefined;
    for (let page = 0; page < MAX_PAGES; page++) {
      const { items, last } = await this.query({
        ...input,
        Limit: want - found.length,
        FilterExpression: 'attribute_not_exists(deletedAt)',
        ...(start ? { ExclusiveStartKey: start } : {}),
      });
      found.push(...items);
      if (!last || found.length >= want) break;
      start = last;
    }
    return found.slice(0, want);
  }

  protected async get(key: Key, consistent = false): Promise<Item | undefined> {
    const out = await documentClient().send(new GetCommand({ TableName: this.table, Key: key, ConsistentRead: consistent }));
    return out.Item as Item | undefined;
  }

  protected batchGet(keys: Key[]): Promise<Item[]> {
    return batchGetAll(this.table, keys.map((k) => ({ ...k })));
  }

  async history(me: string, peer: string, q: { limit: number; before?: string; after?: string }): Promise<Page<Message>> {
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
    const items = await this.queryLive(
      { KeyConditionExpression: condition, ExpressionAttributeValues: values, ScanIndexForward: ascending },
      q.limit + 1,
    );
    const hasMore = items.length > q.limit;
    const page = items.slice(0, q.limit).map((i) => publicMessage(toMessage(i)));
    if (!ascending) page.reverse();
    return { items: page, hasMore };
  }

  async conversations(me: string, q: { limit: number; before?: string }): Promise<Page<ConversationSummary>> {
    const values: Item = { ':me': userPk(me) };
    let condition = 'gsi2pk = :me';
    if (q.before) {
      condition += ' AND gsi2sk < :b';
      values[':b'] = q.before;
    }
    const { items } = await this.query({
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

  async unreadCounts(me: string): Promise<UnreadCounts> {
    const row = await this.get({ pk: userPk(me), sk: COUNTS_SK });
    const chat = Math.max(0, Number(row?.chat ?? 0));
    const system = Math.max(0, Number(row?.system ?? 0));
    return { chat, system, total: chat + system };
  }

  async unreadByPeer(me: string, peers: string[]): Promise<Map<string, number>> {
    const rows = await this.batchGet(peers.map((p) => ({ pk: userPk(me), sk: convSk(p) })));
    return new Map(rows.map((r) => [r.peerId as string, Math.max(0, Number(r.unread ?? 0))]));
  }

  async systemList(me: string, q: { limit: number; before?: string; unreadOnly: boolean }): Promise<Page<Message>> {
    const values: Item = {};
    let condition: string;
    const input: Omit<QueryCommandInput, 'TableName'> = { ScanIndexForward: false };
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
    const items = await this.queryLive({ ...input, KeyConditionExpression: condition, ExpressionAttributeValues: values }, q.limit + 1);
    return { items: items.slice(0, q.limit).map((i) => publicMessage(toMessage(i))), hasMore: items.length > q.limit };
  }

  async findById(id: string): Promise<StoredMessage | null> {
    const { items } = await this.query({
      IndexName: INDEX.byId,
      KeyConditionExpression: 'id = :id',
      ExpressionAttributeValues: { ':id': id },
      Limit: 1,
    });
    if (items.length === 0) return null;
    const item = await this.get({ pk: items[0].pk as string, sk: items[0].sk as string }, true);
    return item ? toMessage(item) : null;
  }
}
