/**
 * Delete by id. A system message of mine is at `SYS#<me>` / `MSG#<id>`. A chat message's id carries its
 * conversation's tag (lambdas/adapters/ids.ts): the keys-only `byTag` index gives the pair items (and, for ids made
 * before tags, alias items in the pair's partition) with that tag, and the message is in the one of them I am part
 * of. Soft delete changes the message and, in the same transaction, its recipient's unread count (if it was unread)
 * and the pair item's last message (if it was the last) — on the pair item as just read, retried if it moved.
 */
import type { Message } from '../../../contract/messages';
import type { StoredMessage } from '../../../core/ports';
import { tagOf } from '../../ids';
import { INDEX, convPk, listSk, msgSk, otherSide, pairKey, sideAttrs, sideOf, sysPk } from '../keys';
import { transact, type Named, type TxItem } from '../transact';
import { systemCounter, toMessage, type Item } from './items';
import { readPair, recipientRead, usersOfPairPk, viewOf } from './pair';
import { getItem, query, queryLive } from './query';

/** A message by id that `me` is a party of, deleted or not; null when there is none. */
export async function findById(table: string, me: string, id: string): Promise<StoredMessage | null> {
  const [system, tagged] = await Promise.all([
    getItem(table, { pk: sysPk(me), sk: msgSk(id) }, true),
    query(table, { IndexName: INDEX.byTag, KeyConditionExpression: 'tag = :t', ExpressionAttributeValues: { ':t': tagOf(id) } }),
  ]);
  if (system) return toMessage(system);
  const peers = new Set<string>();
  for (const hit of tagged.items) {
    const users = usersOfPairPk(String(hit.pk));
    if (users && users.includes(me)) peers.add(users[0] === me ? users[1] : users[0]);
  }
  for (const peer of peers) {
    const [item, pair] = await Promise.all([getItem(table, { pk: convPk(me, peer), sk: msgSk(id) }, true), readPair(table, me, peer)]);
    if (item) return toMessage(item, recipientRead(pair.view, { fromUserId: (item.fromUserId as string | null) ?? null }));
  }
  return null;
}

/** Soft-deletes; keeps the unread count and the pair item's last message right. false if it was already deleted. */
export async function softDelete(table: string, message: StoredMessage): Promise<boolean> {
  if (message.messageType !== 'CHAT') return softDeleteSystem(table, message);
  const from = message.fromUserId as string;
  const to = message.toUserId;
  const key = { pk: convPk(from, to), sk: msgSk(message.id) };
  for (let attempt = 0; attempt < 5; attempt++) {
    const { item: pair } = await readPair(table, from, to);
    const wasLast = pair?.lastId === message.id;
    // The newest message left, if this one was the last (read before the change; the condition keeps it true).
    const [latest] = wasLast
      ? await queryLive(
          table,
          { KeyConditionExpression: 'pk = :pk AND sk < :me', ExpressionAttributeValues: { ':pk': convPk(from, to), ':me': msgSk(message.id) }, ScanIndexForward: false },
          1,
        )
      : [];
    const items: Array<Named<'message' | 'pair'>> = [
      {
        name: 'message',
        item: {
          Update: {
            TableName: table,
            Key: key,
            UpdateExpression: 'SET deletedAt = :now',
            ConditionExpression: 'attribute_not_exists(deletedAt)',
            ExpressionAttributeValues: { ':now': new Date().toISOString() },
          },
        },
      },
    ];
    const change = pair ? pairChange(table, pair, message, latest) : null;
    if (change) items.push({ name: 'pair', item: change });
    const result = await transact(items);
    if (result.ok) return true;
    if (result.failed.has('message')) return false;
    // The pair item moved (a message, a read): again from what it is now.
  }
  return false;
}

/**
 * The pair item after deleting `m` (from `a` to `b`): b's unread count down by one if b's watermark is below it,
 * and if it was the last message, the newest one left (or none) as last — both sides' list keys follow. null: no
 * change. Conditional on the values this was computed from.
 */
function pairChange(table: string, pair: Item, m: Message, latest: Item | undefined): TxItem | null {
  const a = m.fromUserId as string;
  const b = m.toUserId;
  const view = viewOf(pair, b, a); // b's side: unread, myRead
  const rs = sideAttrs(sideOf(b, a));
  const ss = sideAttrs(otherSide(sideOf(b, a)));
  const unreadBefore = Number(pair[rs.unread] ?? 0);
  const wasUnread = (view.myRead === null || m.id > view.myRead) && unreadBefore > 0;
  const wasLast = pair.lastId === m.id;
  if (!wasUnread && !wasLast) return null;
  const unreadAfter = wasUnread ? unreadBefore - 1 : unreadBefore;
  const names: Record<string, string> = { '#ru': rs.unread };
  const values: Item = { ':n': unreadBefore, ':after': unreadAfter, ':lastSeen': String(pair.lastId) };
  const set = ['#ru = :after'];
  const remove: string[] = [];
  const lastId = wasLast ? (latest ? String(latest.id) : null) : String(pair.lastId);
  if (wasLast && latest) {
    set.push('updatedAt = :at', 'lastId = :lid');
    Object.assign(values, { ':at': latest.createdAt, ':lid': latest.id });
  } else if (wasLast) {
    remove.push('updatedAt', 'lastId', '#ssk', '#rsk');
    Object.assign(names, { '#ssk': ss.sk, '#rsk': rs.sk });
  }
  if (lastId !== null) {
    // Both list keys follow the last id; b's also its unread state (the sender's own state is unchanged).
    set.push('#rsk = :rsk', '#ssk = :ssk');
    Object.assign(names, { '#rsk': rs.sk, '#ssk': ss.sk, '#su': ss.unread });
    Object.assign(values, { ':rsk': listSk(unreadAfter > 0, lastId), ':ssk': listSk(Number(pair[ss.unread] ?? 0) > 0, lastId), ':su': Number(pair[ss.unread] ?? 0) });
  }
  const suCondition = lastId !== null ? ' AND (attribute_not_exists(#su) OR #su = :su)' : '';
  return {
    Update: {
      TableName: table,
      Key: pairKey(a, b),
      UpdateExpression: `SET ${set.join(', ')}${remove.length ? ` REMOVE ${remove.join(', ')}` : ''}`,
      ConditionExpression: `lastId = :lastSeen AND (attribute_not_exists(#ru) OR #ru = :n)${suCondition}`,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  };
}

async function softDeleteSystem(table: string, message: StoredMessage): Promise<boolean> {
  const key = { pk: sysPk(message.toUserId), sk: msgSk(message.id) };
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
    if (unread) items.push({ name: 'counters', item: systemCounter(table, message.toUserId, -1) });
    const result = await transact(items);
    if (result.ok) return true;
    const row = await getItem(table, key, true); // read state changed under us: look again
    current = row ? toMessage(row) : null;
  }
  return false;
}
