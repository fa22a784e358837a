/** Presence across tabs, and every EventBridge event type end to end, on the real local session.stack. */
import { api, sendEvent, uid } from '../support/clients';
import { useStack } from './session';

const session = useStack();
const { connect, friends } = session;

const online = async (viewer: string, friend: string) =>
  (await api(session.stack, viewer).get('/api/friends')).body.items.find((f: { userId: string }) => f.userId === friend)?.online;

describe('presence', () => {
  it('goes online on the first tab, stays online while one tab is open, offline when the last closes', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const a = await connect(alice);

    const bob1 = await connect(bob);
    expect(await a.next('presence')).toEqual({ type: 'presence', userId: bob, online: true });
    const bob2 = await connect(bob);
    await a.expectNoFrame('presence', 300);
    expect(await online(alice, bob)).toBe(true);

    await bob1.close();
    await a.expectNoFrame('presence', 300);
    expect(await online(alice, bob)).toBe(true);

    await bob2.close();
    expect(await a.next('presence')).toEqual({ type: 'presence', userId: bob, online: false });
    expect(await online(alice, bob)).toBe(false);
  });

  it('tells only friends', async () => {
    const [alice, bob, stranger] = [uid('alice'), uid('bob'), uid('stranger')];
    await friends(alice, bob);
    const s = await connect(stranger);

    await connect(bob);

    await s.expectNoFrame('presence', 300);
  });

  it('lists friends online first with their unread counts', async () => {
    const [me, on, off] = [uid('me'), uid('zed-online'), uid('amy-offline')];
    await friends(me, on);
    await friends(me, off);
    const o = await connect(on);
    o.send({ action: 'sendMessage', to: me, content: 'ping', clientMessageId: 'c1' });
    await o.next('ack');

    const res = await api(session.stack, me).get('/api/friends');

    expect(res.body.items).toEqual([
      { userId: on, name: on, online: true, unreadCount: 1 },
      { userId: off, name: off, online: false, unreadCount: 0 },
    ]);
  });
});

describe('system notifications from events', () => {
  const cases: Array<[string, (u: string) => unknown, string, RegExp]> = [
    ['AchievementUnlocked', (u) => ({ userId: u, achievement: { id: 'a1', name: 'First chat', description: 'Said hi' } }), 'SYSTEM_ACHIEVEMENT', /First chat/],
    ['WorkPurchased', (u) => ({ sellerId: u, buyer: { id: 'b1', name: 'Bea' }, work: { id: 'w1', title: 'Sunset' }, price: { amount: 12.5, currency: 'EUR' } }), 'SYSTEM_PURCHASE', /Bea bought "Sunset" for 12.5 EUR/],
    ['UserFollowed', (u) => ({ userId: u, follower: { id: 'f1', name: 'Finn' } }), 'SYSTEM_FOLLOW', /Finn started following you/],
    ['TaskNotification', (u) => ({ userIds: [u], task: { id: 't1', title: 'Fill in your profile' } }), 'SYSTEM_TASK', /Fill in your profile/],
    ['FriendshipCreated', (u) => ({ userIds: [u, 'someone-else'], names: { 'someone-else': 'Sam' } }), 'SYSTEM_FRIEND', /You and Sam are now friends/],
  ];

  it.each(cases)('%s: pushed live, listed in system/list, counted', async (detailType, detail, messageType, text) => {
    const user = uid('u');
    const c = await connect(user);

    await sendEvent(session.stack, detailType, detail(user));
    const live = await c.next('notification');
    await session.stack.drainEvents();
    const list = await api(session.stack, user).get('/api/messages/system/list');
    const counts = await api(session.stack, user).get('/api/messages/unread/count');

    expect(live.message).toMatchObject({ fromUserId: null, toUserId: user, messageType, isRead: false, clientMessageId: null });
    expect(live.message.content).toMatch(text);
    expect(list.body).toEqual({ items: [live.message], hasMore: false });
    expect(counts.body).toEqual({ chat: 0, system: 1, total: 1 });
  });

  it('FriendshipCreated makes both users friends and tells both', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const ca = await connect(a);
    const cb = await connect(b);

    await sendEvent(session.stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Ann', [b]: 'Ben' } });

    expect((await ca.next('notification')).message.content).toBe('You and Ben are now friends');
    expect((await cb.next('notification')).message.content).toBe('You and Ann are now friends');
    await session.stack.drainEvents();
    expect((await api(session.stack, a).get('/api/friends')).body.items.map((f: { userId: string }) => f.userId)).toEqual([b]);
  });

  it('a friendship frame (contract v1.1) tells every connection of both users when a friendship is made and ended', async () => {
    const [a, b] = [uid('a'), uid('b')];
    const [ca1, ca2, cb] = [await connect(a), await connect(a), await connect(b)];

    await sendEvent(session.stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Ann', [b]: 'Ben' } });
    for (const c of [ca1, ca2]) expect(await c.next('friendship')).toEqual({ type: 'friendship', userId: b, status: 'created', name: 'Ben' });
    expect(await cb.next('friendship')).toEqual({ type: 'friendship', userId: a, status: 'created', name: 'Ann' });

    await sendEvent(session.stack, 'FriendshipRemoved', { userIds: [a, b] });
    for (const c of [ca1, ca2]) expect(await c.next('friendship', (f) => f.status === 'removed')).toEqual({ type: 'friendship', userId: b, status: 'removed' });
    expect(await cb.next('friendship', (f) => f.status === 'removed')).toEqual({ type: 'friendship', userId: a, status: 'removed' });
    await session.stack.drainEvents();
    expect((await api(session.stack, a).get('/api/friends')).body.items).toEqual([]);
  });

  it('a TaskNotification reaches every listed user once', async () => {
    const users = Array.from({ length: 40 }, () => uid('t'));
    const some = await Promise.all(users.slice(0, 3).map((u) => connect(u)));

    await sendEvent(session.stack, 'TaskNotification', { userIds: [...users, users[0]], task: { id: 't9', title: 'Survey' }, content: 'Please answer the survey' });
    await session.stack.drainEvents();

    for (const c of some) expect((await c.next('notification')).message.content).toBe('Please answer the survey');
    for (const u of [users[0], users[39]]) {
      const list = await api(session.stack, u).get('/api/messages/system/list');
      expect(list.body.items).toHaveLength(1);
    }
  });

  it('mark-read by ids and all, unreadOnly filtering, and delete by the recipient only', async () => {
    const user = uid('u');
    const other = uid('other');
    for (let i = 0; i < 3; i++) await sendEvent(session.stack, 'UserFollowed', { userId: user, follower: { id: `f${i}` } });
    await session.stack.drainEvents();
    const me = api(session.stack, user);
    const all = (await me.get('/api/messages/system/list')).body.items;
    const [newest, middle, oldest] = all.map((m: { id: string }) => m.id);

    expect(all.map((m: { content: string }) => m.content)).toEqual(['f2 started following you', 'f1 started following you', 'f0 started following you']);
    expect(await me.post('/api/messages/system/mark-read', { messageIds: [middle, '01JAAAAAAAAAAAAAAAAAAAAAAA'] })).toEqual({ status: 200, body: { updated: 1 } });
    expect((await api(session.stack, other).post('/api/messages/system/mark-read', { messageIds: [newest] })).body).toEqual({ updated: 0 });
    const unread = (await me.get('/api/messages/system/list?unreadOnly=true')).body.items.map((m: { id: string }) => m.id);
    expect(unread).toEqual([newest, oldest]);
    expect((await me.get(`/api/messages/system/list?limit=1&before=${newest}`)).body).toEqual({ items: [expect.objectContaining({ id: middle, isRead: true })], hasMore: true });
    expect((await api(session.stack, other).del(`/api/messages/${newest}`)).status).toBe(404);
    expect((await me.del(`/api/messages/${newest}`)).status).toBe(204);
    expect((await me.get('/api/messages/unread/count')).body.system).toBe(1);
    expect(await me.post('/api/messages/system/mark-read', { all: true })).toEqual({ status: 200, body: { updated: 1 } });
    expect((await me.get('/api/messages/unread/count')).body).toEqual({ chat: 0, system: 0, total: 0 });
    expect((await me.get('/api/messages/system/list')).body.items.map((m: { id: string }) => m.id)).toEqual([middle, oldest]);
  });

  it('refuses bad mark-read bodies with 400', async () => {
    const me = api(session.stack, uid('u'));
    for (const body of [{}, { all: false }, { messageIds: [] }, { messageIds: ['x'] }, { messageIds: Array(101).fill('01JAAAAAAAAAAAAAAAAAAAAAAA') }, { all: true, messageIds: [] }]) {
      const res = await me.post('/api/messages/system/mark-read', body);
      expect({ body, status: res.status, code: res.body.error?.code }).toEqual({ body, status: 400, code: 'BAD_REQUEST' });
    }
  });

  it('a redelivered event (same id) stores nothing new', async () => {
    const user = uid('u');
    const detail = { userId: user, achievement: { id: 'x', name: 'Once' } };
    // The same event id delivered twice, as EventBridge may do: invoke the handler module directly with one event.
    const { handler } = await import('../../lambdas/events/notify');
    const event = { version: '0', id: uid('evt'), 'detail-type': 'AchievementUnlocked', source: 'test', account: '000000000000', time: new Date().toISOString(), region: 'us-east-1', resources: [], detail };
    await handler(event);
    await handler({ ...event, time: new Date(Date.now() + 5000).toISOString() });

    expect((await api(session.stack, user).get('/api/messages/system/list')).body.items).toHaveLength(1);
    expect((await api(session.stack, user).get('/api/messages/unread/count')).body.system).toBe(1);
  });

  it('an event whose detail does not fit ends in the dead-letter list with the reason', async () => {
    await sendEvent(session.stack, 'AchievementUnlocked', { achievement: { id: 'a', name: 'No user' } });
    await session.stack.drainEvents();

    const res = await fetch(`${session.stack.url}/_aws/events/dead-letters`);
    const body = (await res.json()) as { items: Array<{ reason: string; event: { detail: unknown } }> };

    expect(body.items.some((d) => /"userId" is required/.test(d.reason))).toBe(true);
  });
});
