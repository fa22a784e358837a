/**
 * Friend graph and profile names on the main table: USER#<u> / FRIEND#<v> both ways, USER#<u> / PROFILE. The
 * pair item of the two (messages/pair.ts) carries the same fact as `friend` (true / false), written in the same
 * transaction: a chat message's friendship check is the condition on the pair item it writes anyway (issue #15).
 * Befriending creates the pair item (its users, its tag for delete-by-id, each side's list partition, zero counts)
 * if it is new.
 */
import { GetCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { batchGetAll } from './batch';
import type { FriendStore } from '../../core/ports';
import { documentClient } from './client';
import { PROFILE_SK, friendSk, pairKey, userPk } from './keys';
import { pairTag } from '../ids';
import { transact } from './transact';

type Item = Record<string, unknown>;

export class DynamoFriendStore implements FriendStore {
  constructor(private readonly table: string) {}

  async areFriends(a: string, b: string): Promise<boolean> {
    const out = await documentClient().send(
      new GetCommand({ TableName: this.table, Key: { pk: userPk(a), sk: friendSk(b) }, ProjectionExpression: 'pk' }),
    );
    return out.Item !== undefined;
  }

  private async friendRows(me: string, projection?: string): Promise<Item[]> {
    const rows: Item[] = [];
    let start: Item | undefined;
    do {
      const out = await documentClient().send(
        new QueryCommand({
          TableName: this.table,
          KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
          ExpressionAttributeValues: { ':pk': userPk(me), ':f': 'FRIEND#' },
          ...(projection ? { ProjectionExpression: projection } : {}),
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      rows.push(...((out.Items ?? []) as Item[]));
      start = out.LastEvaluatedKey as Item | undefined;
    } while (start);
    return rows;
  }

  async ids(me: string): Promise<string[]> {
    return (await this.friendRows(me, 'friendId')).map((r) => r.friendId as string);
  }

  async list(me: string): Promise<Array<{ userId: string; name: string }>> {
    const rows = await this.friendRows(me);
    const profiles = await this.names(rows.map((r) => r.friendId as string));
    return rows.map((r) => {
      const id = r.friendId as string;
      return { userId: id, name: profiles.get(id) ?? (r.name as string | undefined) ?? id };
    });
  }

  async befriend(a: string, b: string, names: ReadonlyMap<string, string>): Promise<void> {
    const since = new Date().toISOString();
    const row = (owner: string, friend: string) => ({
      Put: {
        TableName: this.table,
        Item: { pk: userPk(owner), sk: friendSk(friend), friendId: friend, since, ...(names.has(friend) ? { name: names.get(friend) } : {}) },
      },
    });
    const profile = (u: string) => ({
      Update: {
        TableName: this.table,
        Key: { pk: userPk(u), sk: PROFILE_SK },
        UpdateExpression: 'SET #n = if_not_exists(#n, :n)',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':n': names.get(u) },
      },
    });
    const result = await transact([
      { name: 'friendship', item: row(a, b) },
      { name: 'friendship', item: row(b, a) },
      { name: 'friendship', item: this.friendFlag(a, b, true) },
      ...[a, b].filter((u) => names.has(u)).map((u) => ({ name: 'profile', item: profile(u) })),
    ]);
    if (!result.ok) throw new Error('friendship write was refused');
  }

  async unfriend(a: string, b: string): Promise<void> {
    const del = (owner: string, friend: string) => ({ Delete: { TableName: this.table, Key: { pk: userPk(owner), sk: friendSk(friend) } } });
    const result = await transact([
      { name: 'friendship', item: del(a, b) },
      { name: 'friendship', item: del(b, a) },
      { name: 'friendship', item: this.friendFlag(a, b, false) },
    ]);
    if (!result.ok) throw new Error('friendship removal was refused');
  }

  /** The pair item of a and b says whether they are friends (it keeps the conversation either way). */
  private friendFlag(a: string, b: string, friend: boolean) {
    const [lo, hi] = a < b ? [a, b] : [b, a];
    return {
      Update: {
        TableName: this.table,
        Key: pairKey(a, b),
        UpdateExpression:
          'SET friend = :f, lo = :lo, hi = :hi, tag = :tag, gLoPk = :glo, gHiPk = :ghi, unreadLo = if_not_exists(unreadLo, :zero), unreadHi = if_not_exists(unreadHi, :zero)',
        // Each side's list partition (USER#<owner>) is fixed: written here once; a message moves only the sort keys.
        ExpressionAttributeValues: { ':f': friend, ':lo': lo, ':hi': hi, ':tag': pairTag(lo, hi), ':glo': userPk(lo), ':ghi': userPk(hi), ':zero': 0 },
      },
    };
  }

  /**
   * The profile: its name (from the newest token) — an update, so the sender's rate state kept on the same item
   * (`sendTat`, messages/claim.ts) survives, and starts at 0 so the first message's PartiQL UPDATE finds it.
   */
  async saveProfile(userId: string, name: string): Promise<void> {
    await documentClient().send(
      new UpdateCommand({
        TableName: this.table,
        Key: { pk: userPk(userId), sk: PROFILE_SK },
        UpdateExpression: 'SET #n = :n, updatedAt = :at, sendTat = if_not_exists(sendTat, :zero)',
        ExpressionAttributeNames: { '#n': 'name' },
        ExpressionAttributeValues: { ':n': name, ':at': new Date().toISOString(), ':zero': 0 },
      }),
    );
  }

  async names(userIds: string[]): Promise<Map<string, string>> {
    const keys = [...new Set(userIds)].map((u) => ({ pk: userPk(u), sk: PROFILE_SK }));
    const rows = await batchGetAll(this.table, keys);
    return new Map(rows.filter((r) => typeof r.name === 'string').map((r) => [String(r.pk).slice('USER#'.length), r.name as string]));
  }
}
