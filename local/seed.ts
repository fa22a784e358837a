/**
 * Demo data: four users and their friendships, made by FriendshipCreated events through the same event path as
 * any publisher's, with FIXED event ids — the handler stores at most one message per event and recipient, so
 * seeding again on every start changes nothing.
 * alice and dave are NOT friends, so a newcomer can see NOT_FRIENDS too.
 */
import type { LocalEventBus } from './events';

export const DEMO_USERS = [
  { userId: 'alice', name: 'Alice' },
  { userId: 'bob', name: 'Bob' },
  { userId: 'carol', name: 'Carol' },
  { userId: 'dave', name: 'Dave' },
] as const;

export const DEMO_FRIENDSHIPS: [string, string][] = [
  ['alice', 'bob'],
  ['alice', 'carol'],
  ['bob', 'carol'],
  ['carol', 'dave'],
];

export const SEED_SOURCE = 'parley.local.seed';

const nameOf = (userId: string) => DEMO_USERS.find((u) => u.userId === userId)?.name ?? userId;

export function demoUsers(): { userId: string; name: string; friends: string[] }[] {
  return DEMO_USERS.map((u) => ({
    ...u,
    friends: DEMO_FRIENDSHIPS.filter((pair) => pair.includes(u.userId)).map(([a, b]) => (a === u.userId ? b : a)),
  }));
}

/** Dispatch the seed events and wait until the handler has taken (or dead-lettered) them. */
export async function seedDemoData(bus: LocalEventBus): Promise<void> {
  for (const [a, b] of DEMO_FRIENDSHIPS) {
    bus.dispatch({
      id: `seed-${a}-${b}`,
      source: SEED_SOURCE,
      detailType: 'FriendshipCreated',
      detail: { userIds: [a, b], names: { [a]: nameOf(a), [b]: nameOf(b) } },
    });
  }
  await bus.drain();
}
