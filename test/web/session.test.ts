/**
 * The wiring of one signed-in session (web/src/session.ts): REST + socket + stores, against a fake WebSocket and
 * a fake HTTP API. What a user would notice: lists and badges load when the socket opens, pushes land in the
 * right place, a reconnect catches up the open chat exactly once, and a refused token leads back to sign-in.
 */
import './browser-globals';
import { createPinia, setActivePinia } from 'pinia';
import { Auth } from '../../web/src/api/auth';
import { startSession, type RunningSession } from '../../web/src/session';
import { useChatStore } from '../../web/src/stores/chat';
import { useFriendsStore } from '../../web/src/stores/friends';
import { useNotificationStore } from '../../web/src/stores/notifications';
import { useSessionStore } from '../../web/src/stores/session';
import { useThreadsStore } from '../../web/src/stores/threads';
import { useUnreadStore } from '../../web/src/stores/unread';
import { useToastStore } from '../../web/src/stores/toasts';
import type { Message, WebConfig } from '../../web/src/types';
import { chat, FakeRest, FakeWebSocket, flush, system } from './fakes';

const b64url = (s: string) => Buffer.from(s).toString('base64url');
let issued = 0;
/** Every token is a new one (`n`), as a real issuer's are (their iat/exp differ). */
const jwt = (sub: string) => `${b64url('{"alg":"RS256"}')}.${b64url(JSON.stringify({ sub, name: sub.toUpperCase(), n: ++issued }))}.sig`;

const CONFIG: WebConfig = { wsUrl: 'ws://stack.test/ws', apiUrl: 'http://stack.test', auth: { mode: 'dev', tokenUrl: 'http://stack.test/dev/token' } };

/** A fake HTTP API over FakeRest (routes as in the contract), plus the dev token endpoint. */
function fakeApi(rest: FakeRest, opts: { tokenStatus?: () => number; apiStatus?: () => number; expiresIn?: number } = {}) {
  const requests: string[] = [];
  const f = async (input: string, init?: RequestInit) => {
    const url = new URL(input);
    requests.push(`${init?.method ?? 'GET'} ${url.pathname}${url.search}`);
    const reply = (status: number, body: unknown) => ({ ok: status < 400, status, json: async () => body, text: async () => JSON.stringify(body) });
    if (url.pathname === '/dev/token') {
      const status = opts.tokenStatus?.() ?? 200;
      return status === 200 ? reply(200, { token: jwt('alice'), expiresIn: opts.expiresIn ?? 3600 }) : reply(status, { error: { code: 'X', message: 'issuer down' } });
    }
    const apiStatus = opts.apiStatus?.() ?? 200;
    // API Gateway's JWT authorizer refuses before any function runs, with its own body.
    if (apiStatus !== 200) return reply(apiStatus, { message: 'Unauthorized' });
    const p = url.pathname;
    const q = Object.fromEntries(url.searchParams);
    const num = (v?: string) => (v ? Number(v) : undefined);
    if (p === '/api/friends') return reply(200, await rest.friends());
    if (p === '/api/messages/unread/count') return reply(200, await rest.unreadCount());
    if (p === '/api/messages/conversations/list') return reply(200, await rest.conversations({ limit: num(q.limit), before: q.before }));
    if (p === '/api/messages/system/list') return reply(200, await rest.systemList({ limit: num(q.limit), before: q.before }));
    const m = /^\/api\/messages\/([^/]+)$/.exec(p);
    if (m && (init?.method ?? 'GET') === 'GET') return reply(200, await rest.history(decodeURIComponent(m[1]!), { limit: num(q.limit), before: q.before, after: q.after }));
    return reply(404, { error: { code: 'NOT_FOUND', message: p } });
  };
  return { f: f as unknown as typeof fetch, requests };
}

let running: RunningSession | undefined;
const realFetch = globalThis.fetch;
const realWs = globalThis.WebSocket;

async function start(rest: FakeRest, opts: Parameters<typeof fakeApi>[1] = {}) {
  const pinia = createPinia();
  setActivePinia(pinia);
  const api = fakeApi(rest, opts);
  globalThis.fetch = api.f;
  (globalThis as { WebSocket: unknown }).WebSocket = FakeWebSocket;
  const auth = new Auth(CONFIG.auth, sessionStorage, api.f);
  await auth.devSignIn('alice');
  const expired: number[] = [];
  running = startSession(CONFIG, auth, pinia, { onExpired: () => expired.push(1) });
  await flush(20);
  return { api, expired, chat: useChatStore(), friends: useFriendsStore(), threads: useThreadsStore(), unread: useUnreadStore(), notifications: useNotificationStore(), session: useSessionStore(), toasts: useToastStore() };
}

/** Let the fake REST round trips (several awaits each) finish. */
const settle = () => flush(60);

beforeEach(() => {
  FakeWebSocket.reset();
  sessionStorage.clear();
});
afterEach(() => {
  running?.stop();
  running = undefined;
  globalThis.fetch = realFetch;
  (globalThis as { WebSocket: unknown }).WebSocket = realWs;
});

test('connects with the token in the URL; on open, friends, conversations and both badges load', async () => {
  const rest = new FakeRest('alice');
  rest.friendList = [{ userId: 'bob', name: 'Bob', online: true, unreadCount: 2 }];
  const last = chat('bob', 'alice', 'hey');
  rest.convs = [{ peerId: 'bob', lastMessage: last, unreadCount: 2, updatedAt: last.createdAt }];
  rest.counts = { chat: 2, system: 5, total: 7 };
  const { notifications, session, unread, friends } = await start(rest);

  const ws = FakeWebSocket.last;
  expect(new URL(ws.url).origin + new URL(ws.url).pathname).toBe('ws://stack.test/ws');
  expect(new URL(ws.url).searchParams.get('token')).toBe(JSON.parse(sessionStorage.getItem('parley.session')!).token);
  expect(session.connection).toBe('connecting');
  ws.open();
  await settle();
  expect(session.connection).toBe('connected');
  expect(session.me).toEqual({ userId: 'alice', name: 'ALICE' });
  expect(unread.total).toBe(2);
  expect(unread.of('bob')).toBe(2);
  expect(friends.list.map((f) => [f.userId, f.online])).toEqual([['bob', true]]);
  expect(notifications.unread).toBe(5);
});

test('pushes go where they belong: a chat message toasts (window closed), a system message rings the bell', async () => {
  const rest = new FakeRest('alice');
  rest.friendList = [{ userId: 'bob', name: 'Bob', online: true, unreadCount: 0 }];
  const { chat: store, notifications, toasts, unread } = await start(rest);
  FakeWebSocket.last.open();
  await settle();

  FakeWebSocket.last.receive({ type: 'message', message: chat('bob', 'alice', '<b>hi</b>') });
  FakeWebSocket.last.receive({ type: 'notification', message: system('alice', 'SYSTEM_ACHIEVEMENT', 'x', { achievement: { id: 'a', name: 'First sale' } }) });
  expect(unread.total).toBe(1);
  expect(notifications.unread).toBe(1);
  expect(toasts.toasts.map((t) => [t.kind, t.title, t.body])).toEqual([
    ['chat', 'Bob', '<b>hi</b>'],
    ['system', 'Achievement unlocked: First sale', 'x'],
  ]);

  // Opening that chat retires its toast; an open window gets no new one.
  store.openChat('bob');
  expect(toasts.toasts.map((t) => t.kind)).toEqual(['system']);
  store.minimizeChat('bob');
  FakeWebSocket.last.receive({ type: 'message', message: chat('bob', 'alice', 'again') });
  expect(toasts.toasts).toHaveLength(1);
});

test('a new friendship notification reloads the friends list', async () => {
  const rest = new FakeRest('alice');
  const { friends } = await start(rest);
  FakeWebSocket.last.open();
  await settle();
  expect(friends.list).toEqual([]);
  rest.friendList = [{ userId: 'erin', name: 'Erin', online: false, unreadCount: 0 }];
  FakeWebSocket.last.receive({ type: 'notification', message: system('alice', 'SYSTEM_FRIEND', 'friends', { friend: { id: 'erin', name: 'Erin' } }) });
  await settle();
  expect(friends.list.map((f) => f.userId)).toEqual(['erin']);
});

test('after a drop and reconnect, the open chat shows what was missed exactly once and the badges are refreshed', async () => {
  jest.useFakeTimers();
  try {
    const rest = new FakeRest('alice');
    rest.friendList = [{ userId: 'bob', name: 'Bob', online: true, unreadCount: 0 }];
    const before = chat('bob', 'alice', 'before', { isRead: true });
    rest.messages = [before];
    const { chat: store, session, api, unread, threads } = await start(rest);
    FakeWebSocket.last.open();
    await settle();
    store.openChat('bob');
    await settle();
    expect(threads.thread('bob').items.map((m) => m.content)).toEqual(['before']);

    FakeWebSocket.last.drop();
    expect(session.connection).toBe('reconnecting');
    const missed: Message[] = [chat('bob', 'alice', 'missed 1'), chat('bob', 'alice', 'missed 2')];
    rest.messages.push(...missed);
    rest.counts = { chat: 0, system: 1, total: 1 };
    api.requests.length = 0;

    jest.advanceTimersByTime(2000);
    await settle();
    FakeWebSocket.last.open();
    // the same message is also pushed right after the open
    FakeWebSocket.last.receive({ type: 'message', message: missed[1]! });
    await settle();

    expect(threads.thread('bob').items.map((m) => m.content)).toEqual(['before', 'missed 1', 'missed 2']);
    expect(api.requests).toContain(`GET /api/messages/bob?limit=100&after=${before.id}`);
    expect(api.requests).toContain('GET /api/messages/unread/count');
    expect(useNotificationStore().unread).toBe(1);
    // The window is open and visible: what arrived is read, and the server is told.
    expect(FakeWebSocket.last.frames).toContainEqual({ action: 'markRead', peerId: 'bob' });
    expect(unread.total).toBe(0);
  } finally {
    jest.useRealTimers();
  }
});

test("a dropped socket makes friends' presence unknown until the friends list is read again after reconnecting", async () => {
  jest.useFakeTimers();
  try {
    const rest = new FakeRest('alice');
    rest.friendList = [{ userId: 'bob', name: 'Bob', online: true, unreadCount: 0 }];
    const { friends } = await start(rest);
    expect(friends.presenceOf('bob')).toBe('unknown'); // not connected yet
    FakeWebSocket.last.open();
    await settle();
    expect(friends.presenceOf('bob')).toBe('online');

    FakeWebSocket.last.drop();
    expect(friends.presenceOf('bob')).toBe('unknown');
    rest.friendList = [{ userId: 'bob', name: 'Bob', online: false, unreadCount: 0 }]; // bob left meanwhile
    jest.advanceTimersByTime(2000);
    await settle();
    FakeWebSocket.last.open();
    await settle();
    expect(friends.presenceOf('bob')).toBe('offline');
  } finally {
    jest.useRealTimers();
  }
});

test('a REST 401 renews the token; if renewing fails the app is sent back to sign-in', async () => {
  const rest = new FakeRest('alice');
  let apiStatus = 200;
  let tokenStatus = 200;
  const { expired, api } = await start(rest, { apiStatus: () => apiStatus, tokenStatus: () => tokenStatus });
  FakeWebSocket.last.open();
  await settle();
  apiStatus = 401;
  tokenStatus = 500;
  await expect(running!.rest.friends()).rejects.toThrow();
  await settle();
  expect(api.requests.filter((r) => r === 'POST /dev/token')).toHaveLength(2); // sign-in, then the renewal attempt
  expect(expired).toEqual([1]);
});

test('the token is renewed in the background before it expires and the next connect uses the new one; a refused renewal leads back to sign-in', async () => {
  jest.useFakeTimers({ doNotFake: ['queueMicrotask'] }); // the session reports expiry in a microtask
  try {
    const rest = new FakeRest('alice');
    let tokenStatus = 200;
    const { api, expired } = await start(rest, { expiresIn: 60, tokenStatus: () => tokenStatus });
    const tokenIn = (ws: FakeWebSocket) => new URL(ws.url).searchParams.get('token');
    const first = FakeWebSocket.last;
    first.open();
    await settle();
    const signIns = () => api.requests.filter((r) => r === 'POST /dev/token').length;

    jest.advanceTimersByTime(44_000); // a 60 s token is due 15 s (a quarter of its life) before it expires
    await settle();
    expect(signIns()).toBe(1);
    jest.advanceTimersByTime(2_000);
    await settle();
    expect(signIns()).toBe(2); // renewed without any request needing it

    first.drop();
    jest.advanceTimersByTime(2_000);
    await settle();
    const second = FakeWebSocket.last;
    expect(second).not.toBe(first);
    expect(tokenIn(second)).not.toBe(tokenIn(first));
    expect(tokenIn(second)).toBe(JSON.parse(sessionStorage.getItem('parley.session')!).token);
    second.open();
    await settle();

    tokenStatus = 400; // the issuer now refuses: the session is over
    jest.advanceTimersByTime(60_000);
    await settle();
    expect(expired).toEqual([1]);
  } finally {
    jest.useRealTimers();
  }
});

test('sign-out closes the socket for good and clears the stores', async () => {
  const rest = new FakeRest('alice');
  rest.counts = { chat: 3, system: 1, total: 4 };
  const { session, toasts, unread } = await start(rest);
  const ws = FakeWebSocket.last;
  ws.open();
  await settle();
  ws.receive({ type: 'message', message: chat('bob', 'alice', 'private') });
  expect(toasts.toasts).toHaveLength(1);
  running!.stop();
  expect(toasts.toasts).toEqual([]); // nothing of this user stays on screen for the next one
  running = undefined;
  expect(ws.closedWith).toBe(1000);
  expect(unread.total).toBe(0);
  expect(session.me).toBeNull();
  expect(window.__parley).toBeUndefined();
});

test('with the tab hidden, a message and a system message become desktop notifications; the session never asks for permission itself', async () => {
  const shown: { title: string; body?: string }[] = [];
  const requestPermission = jest.fn(async () => 'granted' as NotificationPermission);
  const Fake = Object.assign(
    function (this: unknown, title: string, options: NotificationOptions) {
      shown.push({ title, body: options.body });
    },
    { permission: 'granted' as NotificationPermission, requestPermission },
  );
  Object.defineProperty(window, 'Notification', { value: Fake, configurable: true });
  let visibility: DocumentVisibilityState = 'visible';
  Object.defineProperty(document, 'visibilityState', { get: () => visibility, configurable: true });
  try {
    const rest = new FakeRest('alice');
    rest.friendList = [{ userId: 'bob', name: 'Bob', online: true, unreadCount: 0 }];
    const { chat: store, unread } = await start(rest);
    FakeWebSocket.last.open();
    await settle();
    store.openChat('bob');
    await settle();

    FakeWebSocket.last.receive({ type: 'message', message: chat('bob', 'alice', 'seen in the open window') });
    expect(shown).toEqual([]); // visible: the open window shows it

    visibility = 'hidden';
    FakeWebSocket.last.receive({ type: 'message', message: chat('bob', 'alice', 'while you were away') });
    FakeWebSocket.last.receive({ type: 'notification', message: system('alice', 'SYSTEM_FOLLOW', 'Carol started following you', { follower: { id: 'carol', name: 'Carol' } }) });
    expect(shown).toEqual([
      { title: 'Bob', body: 'while you were away' },
      { title: 'Carol started following you', body: '' },
    ]);
    expect(unread.of('bob')).toBe(1); // hidden: not read yet, even with the window open
    expect(requestPermission).not.toHaveBeenCalled();
  } finally {
    delete (window as { Notification?: unknown }).Notification;
    delete (document as { visibilityState?: unknown }).visibilityState;
  }
});

test('on the notification centre a new system message shows in the list, without a toast on top', async () => {
  const { navigate } = await import('../../web/src/router');
  const rest = new FakeRest('alice');
  const { notifications, toasts } = await start(rest);
  FakeWebSocket.last.open();
  await settle();
  navigate('/notifications');
  try {
    FakeWebSocket.last.receive({ type: 'notification', message: system('alice', 'SYSTEM_TASK', 'Upload a work', { task: { id: 't', title: 'Upload' } }) });
    expect(notifications.sorted).toHaveLength(1);
    expect(notifications.unread).toBe(1);
    expect(toasts.toasts).toEqual([]);
  } finally {
    navigate('/');
  }
});
