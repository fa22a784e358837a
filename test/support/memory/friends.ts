/** In-memory FriendStore (lambdas/core/ports.ts); see test/support/memory-ports.ts for the rules all fakes follow. */
import type { FriendStore } from '../../../lambdas/core/ports';

export class MemoryFriendStore implements FriendStore {
  /** owner -> friend -> the name given with the friendship, if any. */
  private readonly rows = new Map<string, Map<string, string | undefined>>();
  readonly profiles = new Map<string, string>();

  /** Synchronous check, for the MessageStore's one-step writes. */
  has(a: string, b: string): boolean {
    return this.rows.get(a)?.has(b) ?? false;
  }

  async areFriends(a: string, b: string): Promise<boolean> {
    return this.has(a, b);
  }

  async ids(me: string): Promise<string[]> {
    return [...(this.rows.get(me)?.keys() ?? [])];
  }

  /** As DynamoFriendStore.list: the profile name, else the name given with the friendship, else the id. */
  async list(me: string): Promise<Array<{ userId: string; name: string }>> {
    return [...(this.rows.get(me)?.entries() ?? [])].map(([userId, given]) => ({ userId, name: this.profiles.get(userId) ?? given ?? userId }));
  }

  async befriend(a: string, b: string, names: ReadonlyMap<string, string> = new Map()): Promise<void> {
    const row = (owner: string, friend: string) => {
      if (!this.rows.has(owner)) this.rows.set(owner, new Map());
      this.rows.get(owner)!.set(friend, names.get(friend));
    };
    row(a, b);
    row(b, a);
    // A profile name is set only where none is known yet (if_not_exists).
    for (const u of [a, b]) if (names.has(u) && !this.profiles.has(u)) this.profiles.set(u, names.get(u)!);
  }

  async unfriend(a: string, b: string): Promise<void> {
    this.rows.get(a)?.delete(b);
    this.rows.get(b)?.delete(a);
  }

  async saveProfile(userId: string, name: string): Promise<void> {
    this.profiles.set(userId, name);
  }

  async names(userIds: string[]): Promise<Map<string, string>> {
    return new Map(userIds.filter((u) => this.profiles.has(u)).map((u) => [u, this.profiles.get(u)!]));
  }
}
