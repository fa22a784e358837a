/**
 * The friends store (stores/friends.ts): the list, names, presence (unknown while disconnected), and when the list
 * is read again.
 */
import { flush } from './fakes';
import { friend, setup } from './chat-support';
import { usePresenceStore } from '../../web/src/stores/presence';

beforeEach(() => jest.useFakeTimers());
afterEach(() => jest.useRealTimers());

describe('receipts, typing and presence', () => {
  test('presence flips a friend; friends list is online first, then by name', async () => {
    const { store, friends, rest } = setup();
    rest.friendList = [friend('dave'), friend('bob'), friend('carol', true)];
    await store.onConnected();
    expect(friends.list.map((f) => f.userId)).toEqual(['carol', 'bob', 'dave']);
    store.handleFrame({ type: 'presence', userId: 'dave', online: true });
    expect(friends.list.map((f) => f.userId)).toEqual(['carol', 'dave', 'bob']);
    expect(friends.isOnline('dave')).toBe(true);
  });

  test('presence is unknown until read over a connection, unknown again when it drops, and re-read on reconnect', async () => {
    const { store, friends, rest } = setup();
    const presence = usePresenceStore();
    rest.friendList = [friend('bob', true)];
    await friends.refresh(); // over REST, before any socket opened: the list, but not trusted presence
    expect(friends.presenceOf('bob')).toBe('unknown');
    expect(friends.isOnline('bob')).toBe(false);
    await store.onConnected();
    expect(friends.presenceOf('bob')).toBe('online');

    presence.lost(); // our socket dropped: bob may have left meanwhile
    expect(friends.presenceOf('bob')).toBe('unknown');
    rest.friendList = [friend('bob', false)];
    await store.onConnected();
    expect(friends.presenceOf('bob')).toBe('offline');
  });

  test('a re-read that was under way when the connection dropped again does not make presence known', async () => {
    const { store, friends, rest } = setup();
    const presence = usePresenceStore();
    rest.friendList = [friend('bob', true)];
    const connected = store.onConnected();
    presence.lost();
    await connected;
    expect(friends.presenceOf('bob')).toBe('unknown');
  });

  test('presence of someone not yet a friend reloads the friends list', async () => {
    const { store, friends, rest } = setup();
    rest.friendList = [friend('erin', true)];
    store.handleFrame({ type: 'presence', userId: 'erin', online: true });
    await flush();
    expect(friends.friends.erin?.online).toBe(true);
  });
});

test('NOT_FRIENDS (the friendship ended) reloads the friends list; a typing refusal shows no toast', async () => {
  const { store, friends, rest, notices } = setup();
  rest.friendList = [friend('bob', true)];
  await friends.refresh();
  rest.friendList = [];
  store.handleFrame({ type: 'error', code: 'NOT_FRIENDS', message: 'not friends' });
  await flush();
  expect(friends.list).toEqual([]);
  expect(notices).toEqual([]);
});

test('the friends list says "loading" (not "no friends") until the server answered', async () => {
  const { store, friends } = setup();
  expect(friends.loaded).toBe(false);
  await friends.refresh();
  expect(friends.loaded).toBe(true);
  store.reset();
  expect(friends.loaded).toBe(false);
});

test('friends named like Object.prototype members (__proto__, constructor, toString) are listed and named like anyone', async () => {
  const { unread, friends, rest } = setup();
  rest.friendList = ['__proto__', 'constructor', 'toString'].map((id) => ({ ...friend(id, true), name: `Name of ${id}` }));
  await friends.refresh();
  expect(friends.list.map((f) => [f.userId, f.name])).toEqual(
    expect.arrayContaining([
      ['__proto__', 'Name of __proto__'],
      ['constructor', 'Name of constructor'],
      ['toString', 'Name of toString'],
    ]),
  );
  expect(friends.list).toHaveLength(3);
  expect(friends.nameOf('__proto__')).toBe('Name of __proto__');
  expect(friends.nameOf('constructor')).toBe('Name of constructor');
  expect(friends.nameOf('hasOwnProperty')).toBe('hasOwnProperty'); // not a friend: its id, never a function's text
  expect(unread.of('valueOf')).toBe(0);
});

test('a friendship frame (created or removed) re-reads the friends list at once', async () => {
  const { store, friends, rest } = setup();
  rest.friendList = [friend('bob', true)];
  await friends.refresh();
  rest.friendList = [friend('bob', true), friend('dave')];
  store.handleFrame({ type: 'friendship', userId: 'dave', status: 'created', name: 'Dave' });
  await flush();
  expect(friends.list.map((f) => f.userId).sort()).toEqual(['bob', 'dave']);
  rest.friendList = [friend('dave')];
  store.handleFrame({ type: 'friendship', userId: 'bob', status: 'removed' });
  await flush();
  expect(friends.list.map((f) => f.userId)).toEqual(['dave']);
});

test('a friendship frame re-reads the list both ways: removed, then created again (issue 12 item 3)', async () => {
  const { store, friends, rest } = setup();
  rest.friendList = [friend('bob', true), friend('carol', true)];
  await friends.refresh();
  expect(friends.isFriend('bob')).toBe(true);
  rest.friendList = [friend('carol', true)];
  store.handleFrame({ type: 'friendship', userId: 'bob', status: 'removed' });
  await flush();
  expect(friends.isFriend('bob')).toBe(false);
  expect(friends.list.map((f) => f.userId)).toEqual(['carol']);
  rest.friendList = [friend('bob', true), friend('carol', true)];
  store.handleFrame({ type: 'friendship', userId: 'bob', status: 'created', name: 'Bob' });
  await flush();
  expect(friends.isFriend('bob')).toBe(true);
});
