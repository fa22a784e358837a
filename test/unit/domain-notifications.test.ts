/**
 * System notifications and the friend graph (lambdas/core/notifications.ts), and what a user can do with system
 * messages (chat.ts), against the in-memory ports: who is told, what is stored, and that a redelivered event is
 * harmless.
 */
import { deleteMessage, markSystemRead, sendChat, systemList, unreadCounts } from '../../lambdas/core/chat';
import { connect } from '../../lambdas/core/presence';
import type { EventDetailType } from '../../lambdas/contract/event-types';
import type { EventDetails } from '../../lambdas/contract/events';
import { handleEvent, InvalidEventError, type IncomingEvent } from '../../lambdas/core/notifications';
import { memoryDeps, type MemoryDeps } from '../support/memory-ports';

let deps: MemoryDeps;

/** Alice has two tabs (a1, a2), Bob one (b1), Carol one (c1); nobody is friends yet. */
beforeEach(async () => {
  deps = memoryDeps();
  for (const [user, conn] of [['alice', 'a1'], ['alice', 'a2'], ['bob', 'b1'], ['carol', 'c1']]) await connect(deps, user, user, conn);
  deps.pusher.clear();
});

let n = 0;
function publish<K extends EventDetailType>(detailType: K, detail: EventDetails[K], id = `evt-${++n}`) {
  const event: IncomingEvent & { detailType: K } = { id, detailType, time: '2027-01-15T08:00:00Z', detail };
  return handleEvent(deps, event, detail);
}

const task = (userIds: string[], id?: string) => publish('TaskNotification', { userIds, task: { id: 't1', title: 'Review' } }, id);
const stored = () => deps.messages.stored();

it('a notification reaches every live connection of each recipient, and no one else', async () => {
  const result = await task(['alice', 'bob']);
  expect(result).toEqual({ stored: 2, delivered: 3 });
  for (const [conn, to] of [['a1', 'alice'], ['a2', 'alice'], ['b1', 'bob']]) {
    expect(deps.pusher.framesTo(conn)).toEqual([
      { type: 'notification', message: expect.objectContaining({ toUserId: to, fromUserId: null, messageType: 'SYSTEM_TASK', content: 'New task: Review', isRead: false }) },
    ]);
  }
  expect(deps.pusher.framesTo('c1')).toEqual([]);
});

it('a notification for someone offline is stored and counted as unread, to be read later', async () => {
  await publish('AchievementUnlocked', { userId: 'erin', achievement: { id: 'a', name: 'First post' } });
  expect(await unreadCounts(deps, 'erin')).toEqual({ chat: 0, system: 1, total: 1 });
  expect((await systemList(deps, 'erin', { limit: 10, unreadOnly: true })).items.map((m) => m.content)).toEqual(['Achievement unlocked: First post']);
});

it('a redelivered event stores and pushes nothing new', async () => {
  await task(['alice', 'bob'], 'evt-same');
  deps.pusher.clear();
  await expect(task(['alice', 'bob', 'carol'], 'evt-same')).resolves.toEqual({ stored: 1, delivered: 1 });
  expect(stored().map((m) => m.toUserId).sort()).toEqual(['alice', 'bob', 'carol']);
  expect(deps.pusher.all().map(([conn]) => conn)).toEqual(['c1']);
});

it('one event gives each recipient one message, however often the recipient is named', async () => {
  await task(['bob', 'bob', 'bob']);
  expect(stored()).toHaveLength(1);
  expect(deps.pusher.framesTo('b1')).toHaveLength(1);
});

it('FriendshipCreated lets the two message each other, and tells both (friendship frame with the other’s name, SYSTEM_FRIEND)', async () => {
  await expect(sendChat(deps, { from: 'alice', to: 'bob', content: 'hi', clientMessageId: 'c-0' })).rejects.toMatchObject({ code: 'NOT_FRIENDS' });
  await publish('FriendshipCreated', { userIds: ['alice', 'bob'], names: { bob: 'Bob' } });
  for (const conn of ['a1', 'a2']) {
    expect(deps.pusher.framesTo(conn, 'friendship')).toEqual([{ type: 'friendship', userId: 'bob', status: 'created', name: 'Bob' }]);
    expect(deps.pusher.framesTo(conn, 'notification')).toEqual([
      { type: 'notification', message: expect.objectContaining({ messageType: 'SYSTEM_FRIEND', content: 'You and Bob are now friends' }) },
    ]);
  }
  // Alice's name is the one she connected with (her profile).
  expect(deps.pusher.framesTo('b1', 'friendship')).toEqual([{ type: 'friendship', userId: 'alice', status: 'created', name: 'alice' }]);
  await expect(sendChat(deps, { from: 'alice', to: 'bob', content: 'hi', clientMessageId: 'c-1' })).resolves.toMatchObject({ duplicate: false });
});

it('FriendshipRemoved ends messaging (NOT_FRIENDS), tells both with a removed frame, and stores no message', async () => {
  await publish('FriendshipCreated', { userIds: ['alice', 'bob'] });
  const before = stored().length;
  deps.pusher.clear();
  await publish('FriendshipRemoved', { userIds: ['alice', 'bob'] });
  expect(deps.pusher.framesTo('a1')).toEqual([{ type: 'friendship', userId: 'bob', status: 'removed' }]);
  expect(deps.pusher.framesTo('b1')).toEqual([{ type: 'friendship', userId: 'alice', status: 'removed' }]);
  expect(stored()).toHaveLength(before);
  await expect(sendChat(deps, { from: 'bob', to: 'alice', content: 'hi', clientMessageId: 'c-2' })).rejects.toMatchObject({ code: 'NOT_FRIENDS' });
});

it('a friendship event naming one user twice is invalid and changes nothing', async () => {
  await expect(publish('FriendshipCreated', { userIds: ['alice', 'alice'] })).rejects.toBeInstanceOf(InvalidEventError);
  await expect(publish('FriendshipRemoved', { userIds: ['bob', 'bob'] })).rejects.toBeInstanceOf(InvalidEventError);
  expect(await deps.friends.ids('alice')).toEqual([]);
  expect(stored()).toEqual([]);
  expect(deps.pusher.all()).toEqual([]);
});

it('marking system messages read counts only my unread ones; all=true reads the rest', async () => {
  await task(['alice'], 'e1');
  await task(['alice'], 'e2');
  await task(['alice', 'bob'], 'e3');
  const [mine1] = (await systemList(deps, 'alice', { limit: 10, unreadOnly: false })).items.map((m) => m.id);
  const bobs = (await systemList(deps, 'bob', { limit: 10, unreadOnly: false })).items[0].id;
  await expect(markSystemRead(deps, 'alice', [mine1, mine1, bobs])).resolves.toEqual({ updated: 1 });
  expect(await unreadCounts(deps, 'alice')).toEqual({ chat: 0, system: 2, total: 2 });
  expect(await unreadCounts(deps, 'bob')).toEqual({ chat: 0, system: 1, total: 1 });
  expect((await systemList(deps, 'alice', { limit: 10, unreadOnly: true })).items.map((m) => m.id)).not.toContain(mine1);
  await expect(markSystemRead(deps, 'alice', 'all')).resolves.toEqual({ updated: 2 });
  expect((await unreadCounts(deps, 'alice')).system).toBe(0);
});

it('a system message can be deleted by its recipient only; it leaves the list and the unread count, and nobody is told', async () => {
  await task(['alice']);
  const [message] = (await systemList(deps, 'alice', { limit: 10, unreadOnly: false })).items;
  deps.pusher.clear();
  await expect(deleteMessage(deps, 'bob', message.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  expect((await unreadCounts(deps, 'alice')).system).toBe(1);
  await deleteMessage(deps, 'alice', message.id);
  expect((await systemList(deps, 'alice', { limit: 10, unreadOnly: false })).items).toEqual([]);
  expect(await unreadCounts(deps, 'alice')).toEqual({ chat: 0, system: 0, total: 0 });
  expect(deps.pusher.all()).toEqual([]);
});

it('the system list is newest first and pages with before=', async () => {
  for (const id of ['e1', 'e2', 'e3']) await publish('UserFollowed', { userId: 'alice', follower: { id: `f-${id}`, name: `F${id}` } }, id);
  const first = await systemList(deps, 'alice', { limit: 2, unreadOnly: false });
  expect(first.items.map((m) => m.content)).toEqual(['Fe3 started following you', 'Fe2 started following you']);
  expect(first.hasMore).toBe(true);
  const rest = await systemList(deps, 'alice', { limit: 2, unreadOnly: false, before: first.items[1].id });
  expect(rest).toEqual({ items: [expect.objectContaining({ content: 'Fe1 started following you' })], hasMore: false });
});
