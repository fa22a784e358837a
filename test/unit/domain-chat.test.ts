/**
 * The chat rules of lambdas/core/chat.ts as a user would state them, checked against the in-memory ports
 * (test/support/memory-ports.ts): what is stored, what each connection is told, what is refused and with which code.
 */
import {
  conversations,
  deleteMessage,
  history,
  listFriends,
  markConversationRead,
  markConversationReadFrame,
  sendChat,
  typing,
  unreadCounts,
  type SendInput,
} from '../../lambdas/core/chat';
import { connect } from '../../lambdas/core/presence';
import { memoryDeps, type MemoryDeps } from '../support/memory-ports';

let deps: MemoryDeps;

/** Alice and Bob are friends; Carol is nobody's friend. Alice has two tabs (a1, a2), Bob two (b1, b2), Carol one. */
beforeEach(async () => {
  deps = memoryDeps();
  await deps.friends.befriend('alice', 'bob', new Map());
  for (const [user, conn] of [['alice', 'a1'], ['alice', 'a2'], ['bob', 'b1'], ['bob', 'b2'], ['carol', 'c1']]) await connect(deps, user, user, conn);
  deps.pusher.clear(); // presence frames of the set-up
});

let cmid = 0;
const send = (from: string, to: string, content = 'hi', more: Partial<SendInput> = {}) =>
  sendChat(deps, { from, to, content, clientMessageId: `c-${++cmid}`, connectionId: `${from[0]}1`, ...more });

const stored = () => deps.messages.stored();
const types = (connectionId: string) => deps.pusher.framesTo(connectionId).map((f) => f.type);

describe('sending', () => {
  it('a message reaches every connection of the recipient and the sender’s other connections, not the one it came from', async () => {
    const { message } = await send('alice', 'bob', 'hello');
    expect(stored()).toEqual([expect.objectContaining({ id: message.id, fromUserId: 'alice', toUserId: 'bob', content: 'hello', isRead: false, deletedAt: null })]);
    for (const conn of ['b1', 'b2', 'a2']) expect(deps.pusher.framesTo(conn)).toEqual([{ type: 'message', message }]);
    expect(deps.pusher.framesTo('a1')).toEqual([]);
    expect(deps.pusher.framesTo('c1')).toEqual([]);
  });

  it('messages to non-friends are refused with NOT_FRIENDS: nothing is stored, counted or pushed', async () => {
    await expect(send('alice', 'carol')).rejects.toMatchObject({ code: 'NOT_FRIENDS' });
    await expect(send('carol', 'alice')).rejects.toMatchObject({ code: 'NOT_FRIENDS' });
    expect(stored()).toEqual([]);
    expect(await unreadCounts(deps, 'carol')).toEqual({ chat: 0, system: 0, total: 0 });
    expect(deps.pusher.all()).toEqual([]);
  });

  it('nobody can message themselves (BAD_REQUEST)', async () => {
    await expect(send('alice', 'alice')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(stored()).toEqual([]);
  });

  it('content is trimmed; content that shows nothing is BAD_REQUEST and over 4,000 characters TOO_LARGE, storing nothing', async () => {
    const { message } = await send('alice', 'bob', '  hi  ');
    expect(message.content).toBe('hi');
    await expect(send('alice', 'bob', ' \u200b\u3164 ')).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(send('alice', 'bob', 'x'.repeat(4001))).rejects.toMatchObject({ code: 'TOO_LARGE' });
    expect(stored().map((m) => m.content)).toEqual(['hi']);
  });

  it('a retried clientMessageId returns the original message, stores once and pushes once', async () => {
    const first = await sendChat(deps, { from: 'alice', to: 'bob', content: 'once', clientMessageId: 'retry-1', connectionId: 'a1' });
    deps.clock.advance(5_000);
    const again = await sendChat(deps, { from: 'alice', to: 'bob', content: 'once', clientMessageId: 'retry-1', connectionId: 'a1' });
    expect(again).toEqual({ message: first.message, duplicate: true });
    expect(stored()).toHaveLength(1);
    expect(deps.pusher.framesTo('b1')).toHaveLength(1);
    expect((await unreadCounts(deps, 'bob')).chat).toBe(1);
  });

  it('a clientMessageId reused for a different message is refused (BAD_REQUEST), not acked with the old one', async () => {
    await sendChat(deps, { from: 'alice', to: 'bob', content: 'first', clientMessageId: 'k' });
    await expect(sendChat(deps, { from: 'alice', to: 'bob', content: 'second', clientMessageId: 'k' })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect(stored().map((m) => m.content)).toEqual(['first']);
  });

  it('the same clientMessageId from two senders is two messages (the key is per sender)', async () => {
    await sendChat(deps, { from: 'alice', to: 'bob', content: 'a', clientMessageId: 'same' });
    const fromBob = await sendChat(deps, { from: 'bob', to: 'alice', content: 'b', clientMessageId: 'same' });
    expect(fromBob.duplicate).toBe(false);
    expect(stored().map((m) => m.content)).toEqual(['a', 'b']);
  });

  it('the 31st message within 10 seconds is RATE_LIMITED and not stored; the next is allowed 1/30 of the window later', async () => {
    for (let i = 0; i < 30; i++) await send('alice', 'bob', `m${i}`);
    await expect(send('alice', 'bob', 'one too many')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect(stored()).toHaveLength(30);
    // Bob's own allowance is his own.
    await expect(send('bob', 'alice')).resolves.toMatchObject({ duplicate: false });
    deps.clock.advance(334);
    await expect(send('alice', 'bob', 'later')).resolves.toMatchObject({ duplicate: false });
    await expect(send('alice', 'bob', 'too soon')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('a retry of a message already stored still gets its ack when the sender is now over the limit or no longer a friend', async () => {
    const first = await sendChat(deps, { from: 'alice', to: 'bob', content: 'x', clientMessageId: 'keep' });
    for (let i = 0; i < 29; i++) await send('alice', 'bob');
    await deps.friends.unfriend('alice', 'bob');
    await expect(sendChat(deps, { from: 'alice', to: 'bob', content: 'x', clientMessageId: 'keep' })).resolves.toEqual({ message: first.message, duplicate: true });
    expect(stored()).toHaveLength(30);
  });
});

describe('reading', () => {
  it('unread counts go up on receipt and back to zero on mark-read', async () => {
    await send('alice', 'bob');
    await send('alice', 'bob');
    await send('bob', 'alice');
    expect(await unreadCounts(deps, 'bob')).toEqual({ chat: 2, system: 0, total: 2 });
    expect(await unreadCounts(deps, 'alice')).toEqual({ chat: 1, system: 0, total: 1 });
    await expect(markConversationRead(deps, 'bob', 'alice')).resolves.toEqual({ updated: 2 });
    expect(await unreadCounts(deps, 'bob')).toEqual({ chat: 0, system: 0, total: 0 });
    expect((await unreadCounts(deps, 'alice')).chat).toBe(1); // only what Bob read
    expect(stored().filter((m) => m.toUserId === 'bob').every((m) => m.isRead)).toBe(true);
  });

  it('mark-read tells the sender on all its connections (read, up to the newest) and syncs the reader’s tabs', async () => {
    await send('alice', 'bob', 'one');
    const { message: newest } = await send('alice', 'bob', 'two');
    deps.pusher.clear();
    await markConversationRead(deps, 'bob', 'alice');
    for (const conn of ['a1', 'a2']) expect(deps.pusher.framesTo(conn)).toEqual([{ type: 'read', by: 'bob', upTo: newest.id }]);
    for (const conn of ['b1', 'b2']) expect(deps.pusher.framesTo(conn)).toEqual([{ type: 'conversationRead', peerId: 'alice' }]);
  });

  it('mark-read with nothing unread still syncs the reader’s tabs but sends the peer no read receipt', async () => {
    await expect(markConversationRead(deps, 'bob', 'alice')).resolves.toEqual({ updated: 0 });
    expect(types('b1')).toEqual(['conversationRead']);
    expect(types('a1')).toEqual([]);
  });

  it('markRead frames are limited per user (30 per 10 s): the 31st is RATE_LIMITED and marks nothing', async () => {
    for (let i = 0; i < 30; i++) await markConversationReadFrame(deps, 'bob', 'alice');
    await send('alice', 'bob');
    await expect(markConversationReadFrame(deps, 'bob', 'alice')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    expect((await unreadCounts(deps, 'bob')).chat).toBe(1);
  });

  it('a conversation lists its newest message and my unread count, most recent conversation first', async () => {
    await deps.friends.befriend('bob', 'dave', new Map());
    await send('alice', 'bob', 'from alice');
    await send('dave', 'bob', 'from dave 1');
    const { message: last } = await send('dave', 'bob', 'from dave 2');
    const page = await conversations(deps, 'bob', { limit: 10 });
    expect(page.items.map((c) => [c.peerId, c.lastMessage.content, c.unreadCount])).toEqual([
      ['dave', 'from dave 2', 2],
      ['alice', 'from alice', 1],
    ]);
    expect(page.items[0].updatedAt).toBe(last.createdAt);
  });

  it('history pages oldest to newest within a page; after= catches up on what came since', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await send(i % 2 ? 'bob' : 'alice', i % 2 ? 'alice' : 'bob', `m${i}`)).message.id);
    const latest = await history(deps, 'alice', 'bob', { limit: 2 });
    expect(latest).toEqual({ items: [expect.objectContaining({ content: 'm3' }), expect.objectContaining({ content: 'm4' })], hasMore: true });
    const older = await history(deps, 'bob', 'alice', { limit: 10, before: ids[3] });
    expect(older.items.map((m) => m.content)).toEqual(['m0', 'm1', 'm2']);
    expect(older.hasMore).toBe(false);
    const since = await history(deps, 'alice', 'bob', { limit: 2, after: ids[1] });
    expect(since.items.map((m) => m.content)).toEqual(['m2', 'm3']);
    await expect(history(deps, 'alice', 'bob', { limit: 2, before: ids[3], after: ids[1] })).rejects.toMatchObject({ code: 'BAD_REQUEST' });
  });

  it('the friends list shows who is online, first, and how many of their messages I have not read', async () => {
    await deps.friends.befriend('alice', 'dave', new Map([['dave', 'Dave']]));
    await send('bob', 'alice');
    await send('bob', 'alice');
    expect((await listFriends(deps, 'alice')).items).toEqual([
      { userId: 'bob', name: 'bob', online: true, unreadCount: 2 },
      { userId: 'dave', name: 'Dave', online: false, unreadCount: 0 },
    ]);
  });
});

describe('deleting', () => {
  it('only the sender may delete a chat message: for the recipient and anyone else it is NOT_FOUND, and it stays', async () => {
    const { message } = await send('alice', 'bob');
    deps.pusher.clear();
    await expect(deleteMessage(deps, 'bob', message.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(deleteMessage(deps, 'carol', message.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(stored()[0].deletedAt).toBeNull();
    expect((await history(deps, 'bob', 'alice', { limit: 10 })).items).toHaveLength(1);
    expect(deps.pusher.all()).toEqual([]);
  });

  it('the sender’s delete takes it out of both histories and tells both sides (messageDeleted) on all their connections', async () => {
    const { message } = await send('alice', 'bob');
    deps.pusher.clear();
    await deleteMessage(deps, 'alice', message.id);
    expect(stored()[0].deletedAt).toBe(new Date(deps.clock.now()).toISOString());
    expect((await history(deps, 'alice', 'bob', { limit: 10 })).items).toEqual([]);
    expect((await history(deps, 'bob', 'alice', { limit: 10 })).items).toEqual([]);
    for (const conn of ['a1', 'a2']) expect(deps.pusher.framesTo(conn)).toEqual([{ type: 'messageDeleted', messageId: message.id, peerId: 'bob' }]);
    for (const conn of ['b1', 'b2']) expect(deps.pusher.framesTo(conn)).toEqual([{ type: 'messageDeleted', messageId: message.id, peerId: 'alice' }]);
    expect(deps.pusher.framesTo('c1')).toEqual([]);
  });

  it('a deleted message cannot be deleted again, and an unknown id is NOT_FOUND too (ids cannot be probed)', async () => {
    const { message } = await send('alice', 'bob');
    await deleteMessage(deps, 'alice', message.id);
    await expect(deleteMessage(deps, 'alice', message.id)).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(deleteMessage(deps, 'alice', 'no-such-id')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('deleting an unread message takes it off the recipient’s unread counts, and the conversation shows the one before', async () => {
    const { message: first } = await send('alice', 'bob', 'first');
    const { message: second } = await send('alice', 'bob', 'second');
    await deleteMessage(deps, 'alice', second.id);
    expect(await unreadCounts(deps, 'bob')).toEqual({ chat: 1, system: 0, total: 1 });
    for (const me of ['alice', 'bob']) {
      const { items } = await conversations(deps, me, { limit: 10 });
      expect(items.map((c) => [c.lastMessage.id, c.unreadCount])).toEqual([[first.id, me === 'bob' ? 1 : 0]]);
    }
    await deleteMessage(deps, 'alice', first.id);
    expect((await conversations(deps, 'bob', { limit: 10 })).items).toEqual([]);
    expect((await unreadCounts(deps, 'bob')).chat).toBe(0);
  });
});

describe('typing', () => {
  it('typing reaches the friend’s connections only and stores nothing; to a non-friend it is NOT_FRIENDS', async () => {
    await typing(deps, 'alice', 'bob');
    for (const conn of ['b1', 'b2']) expect(deps.pusher.framesTo(conn)).toEqual([{ type: 'typing', from: 'alice' }]);
    expect(types('a2')).toEqual([]);
    await expect(typing(deps, 'alice', 'carol')).rejects.toMatchObject({ code: 'NOT_FRIENDS' });
    expect(types('c1')).toEqual([]);
    expect(stored()).toEqual([]);
  });

  it('typing has its own limit (10 per 10 s), apart from sending', async () => {
    for (let i = 0; i < 10; i++) await typing(deps, 'alice', 'bob');
    await expect(typing(deps, 'alice', 'bob')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    await expect(send('alice', 'bob')).resolves.toMatchObject({ duplicate: false });
  });
});
