/**
 * Chat against the real local stack: real `ws` clients, the stock SDK clients, DynamoDB Local.
 * Users are unique per test, so tests share one stack without seeing each other.
 */
import { api, sendEvent, uid, WsClient } from '../support/clients';
import { useStack } from './session';

const session = useStack();
const { connect, friends } = session;

async function sendAndAck(c: WsClient, to: string, content: string, clientMessageId = uid('c')) {
  c.send({ action: 'sendMessage', to, content, clientMessageId });
  const ack = await c.next('ack', (f) => f.clientMessageId === clientMessageId);
  return ack.message;
}

describe('chat between friends', () => {
  it('two friends chat live both ways', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const a = await connect(alice);
    const b = await connect(bob);

    const sent = await sendAndAck(a, bob, 'hi bob 👋');
    const got = await b.next('message', (f) => f.message.id === sent.id);
    const reply = await sendAndAck(b, alice, 'hey alice');
    const back = await a.next('message', (f) => f.message.id === reply.id);

    expect(got.message).toEqual(sent);
    expect(sent).toMatchObject({ fromUserId: alice, toUserId: bob, messageType: 'CHAT', content: 'hi bob 👋', isRead: false, metadata: null });
    expect(back.message.content).toBe('hey alice');
    expect(reply.id > sent.id).toBe(true);
  });

  it('a message reaches the sender’s other tabs but not the one that sent it', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const tab1 = await connect(alice);
    const tab2 = await connect(alice);

    const sent = await sendAndAck(tab1, bob, 'from tab 1');

    expect((await tab2.next('message')).message.id).toBe(sent.id);
    await tab1.expectNoFrame('message', 300);
  });

  it('a message to an offline friend is counted, listed, and caught up with after=', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const a = await connect(alice);
    const first = await sendAndAck(a, bob, 'one');
    const bobApi = api(session.stack, bob);
    const seen = (await bobApi.get(`/api/messages/${alice}`)).body.items.at(-1).id;
    const second = await sendAndAck(a, bob, 'two');
    const third = await sendAndAck(a, bob, 'three');

    const counts = await bobApi.get('/api/messages/unread/count');
    const list = await bobApi.get('/api/messages/conversations/list');
    const caughtUp = await bobApi.get(`/api/messages/${alice}?after=${seen}`);

    expect(seen).toBe(first.id);
    expect(counts).toEqual({ status: 200, body: { chat: 3, system: 1, total: 4 } }); // + the SYSTEM_FRIEND notice
    expect(list.body.items).toEqual([
      { peerId: alice, lastMessage: expect.objectContaining({ id: third.id, content: 'three' }), unreadCount: 3, updatedAt: third.createdAt },
    ]);
    expect(caughtUp.body).toEqual({ items: [second, third], hasMore: false });
  });

  it('a resent clientMessageId stores once and acks the original', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const a = await connect(alice);

    const original = await sendAndAck(a, bob, 'only once', 'c-same');
    const again = await sendAndAck(a, bob, 'only once', 'c-same');

    expect(again).toEqual(original);
    const history = await api(session.stack, bob).get(`/api/messages/${alice}`);
    expect(history.body.items.map((m: { id: string }) => m.id)).toEqual([original.id]);
    expect((await api(session.stack, bob).get('/api/messages/unread/count')).body.chat).toBe(1);
  });

  it('refuses to deliver between non-friends, and stores nothing', async () => {
    const [alice, dave] = [uid('alice'), uid('dave')];
    const a = await connect(alice);
    const d = await connect(dave);

    a.send({ action: 'sendMessage', to: dave, content: 'hello stranger', clientMessageId: 'c-x' });
    a.send({ action: 'typing', to: dave });

    expect(await a.next('error', (f) => f.clientMessageId === 'c-x')).toMatchObject({ code: 'NOT_FRIENDS' });
    expect(await a.next('error', (f) => f.clientMessageId === undefined)).toMatchObject({ code: 'NOT_FRIENDS' });
    await d.expectNoFrame('message', 300);
    await d.expectNoFrame('typing', 1);
    expect((await api(session.stack, dave).get(`/api/messages/${alice}`)).body.items).toEqual([]);
  });

  it('stops delivery once a friendship is removed', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const a = await connect(alice);
    await sendAndAck(a, bob, 'while friends');

    await sendEvent(session.stack, 'FriendshipRemoved', { userIds: [alice, bob] });
    await session.stack.drainEvents();
    a.send({ action: 'sendMessage', to: bob, content: 'after', clientMessageId: 'c-after' });

    expect(await a.next('error', (f) => f.clientMessageId === 'c-after')).toMatchObject({ code: 'NOT_FRIENDS' });
    expect((await api(session.stack, alice).get('/api/friends')).body.items).toEqual([]);
  });

  it('relays typing to the friend only', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const a = await connect(alice);
    const b = await connect(bob);

    a.send({ action: 'typing', to: bob });

    expect(await b.next('typing')).toEqual({ type: 'typing', from: alice });
    await a.expectNoFrame('typing', 200);
  });

  it('keeps the connection after a bad frame and answers ping', async () => {
    const alice = uid('alice');
    const a = await connect(alice);

    a.send('not json at all');
    a.send({ action: 'fly' });
    a.send({ action: 'ping' });

    expect(await a.next('error', (f) => /JSON/.test(f.message))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await a.next('error', (f) => /unknown action/.test(f.message))).toMatchObject({ code: 'BAD_REQUEST' });
    expect(await a.next('pong')).toEqual({ type: 'pong' });
  });
});

describe('history paging', () => {
  it('pages backwards with before= and forwards with after=, oldest → newest within a page', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const a = await connect(alice);
    const sent = [];
    for (let i = 1; i <= 7; i++) sent.push(await sendAndAck(a, bob, `m${i}`));
    const ids = sent.map((m) => m.id);
    const read = (q: string) => api(session.stack, bob).get(`/api/messages/${alice}${q}`).then((r) => ({ ids: r.body.items.map((m: { id: string }) => m.id), hasMore: r.body.hasMore }));

    expect(await read('?limit=3')).toEqual({ ids: ids.slice(4), hasMore: true });
    expect(await read(`?limit=3&before=${ids[4]}`)).toEqual({ ids: ids.slice(1, 4), hasMore: true });
    expect(await read(`?limit=3&before=${ids[1]}`)).toEqual({ ids: ids.slice(0, 1), hasMore: false });
    expect(await read(`?limit=3&after=${ids[0]}`)).toEqual({ ids: ids.slice(1, 4), hasMore: true });
    expect(await read(`?limit=3&after=${ids[3]}`)).toEqual({ ids: ids.slice(4), hasMore: false });
    expect(await read('')).toEqual({ ids, hasMore: false });
  });

  it('refuses bad limits and cursors with 400', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    for (const q of ['?limit=0', '?limit=101', '?limit=abc', '?before=nope', '?after=01JAAAAAAAAAAAAAAAAAAAAAAA&before=01JAAAAAAAAAAAAAAAAAAAAAAB']) {
      const res = await api(session.stack, alice).get(`/api/messages/${bob}${q}`);
      expect({ q, status: res.status, code: res.body.error?.code }).toEqual({ q, status: 400, code: 'BAD_REQUEST' });
    }
  });

  it('lists conversations most recent first, paged by the last message id', async () => {
    const [me, p1, p2, p3] = [uid('me'), uid('p1'), uid('p2'), uid('p3')];
    for (const p of [p1, p2, p3]) await friends(me, p);
    const c = await connect(me);
    await sendAndAck(c, p1, 'to p1');
    await sendAndAck(c, p2, 'to p2');
    const last = await sendAndAck(c, p3, 'to p3');
    await sendAndAck(c, p1, 'p1 again');

    const page1 = await api(session.stack, me).get('/api/messages/conversations/list?limit=2');
    const page2 = await api(session.stack, me).get(`/api/messages/conversations/list?limit=2&before=${page1.body.items[1].lastMessage.id}`);

    expect(page1.body.items.map((i: { peerId: string }) => i.peerId)).toEqual([p1, p3]);
    expect(page1.body.hasMore).toBe(true);
    expect(page1.body.items[1].lastMessage.id).toBe(last.id);
    expect(page2.body.items.map((i: { peerId: string }) => i.peerId)).toEqual([p2]);
    expect(page2.body.hasMore).toBe(false);
  });
});

describe('read state', () => {
  it('markRead frame: clears my counts, syncs my tabs, sends the sender a read receipt', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const a = await connect(alice);
    const bobTab1 = await connect(bob);
    const bobTab2 = await connect(bob);
    await sendAndAck(a, bob, 'one');
    const two = await sendAndAck(a, bob, 'two');

    bobTab1.send({ action: 'markRead', peerId: alice });

    expect(await a.next('read')).toEqual({ type: 'read', by: bob, upTo: two.id });
    expect(await bobTab2.next('conversationRead')).toEqual({ type: 'conversationRead', peerId: alice });
    expect(await bobTab1.next('conversationRead')).toEqual({ type: 'conversationRead', peerId: alice });
    expect((await api(session.stack, bob).get('/api/messages/unread/count')).body.chat).toBe(0);
    const history = await api(session.stack, alice).get(`/api/messages/${bob}`);
    expect(history.body.items.map((m: { isRead: boolean }) => m.isRead)).toEqual([true, true]);
    const list = await api(session.stack, alice).get('/api/messages/conversations/list');
    expect(list.body.items[0].lastMessage).toMatchObject({ id: two.id, isRead: true });
  });

  it('POST /api/messages/{userId}/read does the same and says how many', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const a = await connect(alice);
    await sendAndAck(a, bob, 'one');
    const two = await sendAndAck(a, bob, 'two');

    const res = await api(session.stack, bob).post(`/api/messages/${alice}/read`);
    const again = await api(session.stack, bob).post(`/api/messages/${alice}/read`);

    expect(res).toEqual({ status: 200, body: { updated: 2 } });
    expect(again).toEqual({ status: 200, body: { updated: 0 } });
    expect(await a.next('read')).toEqual({ type: 'read', by: bob, upTo: two.id });
    const friendsList = await api(session.stack, bob).get('/api/friends');
    expect(friendsList.body.items).toEqual([{ userId: alice, name: alice, online: true, unreadCount: 0 }]);
  });
});

describe('delete', () => {
  it('the sender deletes a chat message: hidden from every list, counts fixed, both sides told', async () => {
    const [alice, bob] = [uid('alice'), uid('bob')];
    await friends(alice, bob);
    const a = await connect(alice);
    const b = await connect(bob);
    const keep = await sendAndAck(a, bob, 'keep');
    const gone = await sendAndAck(a, bob, 'oops');

    const res = await api(session.stack, alice).del(`/api/messages/${gone.id}`);

    expect(res.status).toBe(204);
    expect(await b.next('messageDeleted')).toEqual({ type: 'messageDeleted', messageId: gone.id, peerId: alice });
    expect(await a.next('messageDeleted')).toEqual({ type: 'messageDeleted', messageId: gone.id, peerId: bob });
    const history = await api(session.stack, bob).get(`/api/messages/${alice}`);
    expect(history.body.items.map((m: { id: string }) => m.id)).toEqual([keep.id]);
    expect((await api(session.stack, bob).get('/api/messages/unread/count')).body.chat).toBe(1);
    const list = await api(session.stack, bob).get('/api/messages/conversations/list');
    expect(list.body.items[0]).toMatchObject({ lastMessage: { id: keep.id }, unreadCount: 1 });
  });

  it('nobody else can delete it, and unknown ids are 404 too', async () => {
    const [alice, bob, eve] = [uid('alice'), uid('bob'), uid('eve')];
    await friends(alice, bob);
    const a = await connect(alice);
    const m = await sendAndAck(a, bob, 'mine');

    expect((await api(session.stack, bob).del(`/api/messages/${m.id}`)).status).toBe(404);
    expect((await api(session.stack, eve).del(`/api/messages/${m.id}`)).status).toBe(404);
    expect((await api(session.stack, alice).del('/api/messages/01JAAAAAAAAAAAAAAAAAAAAAAA')).status).toBe(404);
    expect((await api(session.stack, alice).del('/api/messages/not-an-id')).status).toBe(400);
    expect((await api(session.stack, bob).get(`/api/messages/${alice}`)).body.items).toHaveLength(1);
    expect((await api(session.stack, alice).del(`/api/messages/${m.id}`)).status).toBe(204);
    expect((await api(session.stack, alice).del(`/api/messages/${m.id}`)).status).toBe(404);
  });
});

describe('REST authentication', () => {
  it("answers 401 with API Gateway's own body without a valid bearer token", async () => {
    const noToken = await fetch(`${session.stack.url}/api/messages/unread/count`);
    const badToken = await fetch(`${session.stack.url}/api/messages/unread/count`, { headers: { authorization: 'Bearer not.a.jwt' } });

    expect(noToken.status).toBe(401);
    expect(await noToken.json()).toEqual({ message: 'Unauthorized' });
    expect(badToken.status).toBe(401);
    expect(await badToken.json()).toEqual({ message: 'Unauthorized' });
  });
});
