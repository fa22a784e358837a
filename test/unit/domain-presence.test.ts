/**
 * Presence and delivery rules (lambdas/core/presence.ts, delivery.ts) against the in-memory ports: who is told when
 * someone comes and goes, how many connections a user may hold, and what happens to connections the gateway has lost.
 */
import { sendChat } from '../../lambdas/core/chat';
import { CONNECT_GRACE_MS, deliver } from '../../lambdas/core/delivery';
import { connect, disconnect, TooManyConnectionsError } from '../../lambdas/core/presence';
import { memoryDeps, type MemoryDeps } from '../support/memory-ports';

let deps: MemoryDeps;

/** Alice's friends are Bob (one tab, b1) and Dave (d1); Carol (c1) is not her friend. */
beforeEach(async () => {
  deps = memoryDeps();
  await deps.friends.befriend('alice', 'bob', new Map());
  await deps.friends.befriend('alice', 'dave', new Map());
  for (const [user, conn] of [['bob', 'b1'], ['dave', 'd1'], ['carol', 'c1']]) await connect(deps, user, user, conn);
  deps.pusher.clear();
});

const presenceTo = (conn: string) => deps.pusher.framesTo(conn, 'presence');
const live = async (user: string) => (await deps.connections.live(user)).map((c) => c.connectionId);

it('a friend is told online once, on the first connection only', async () => {
  await connect(deps, 'alice', 'Alice', 'a1');
  deps.clock.advance(1_000);
  await connect(deps, 'alice', 'Alice', 'a2');
  for (const conn of ['b1', 'd1']) expect(presenceTo(conn)).toEqual([{ type: 'presence', userId: 'alice', online: true }]);
});

it('presence goes offline only with the last connection', async () => {
  await connect(deps, 'alice', 'Alice', 'a1');
  await connect(deps, 'alice', 'Alice', 'a2');
  deps.pusher.clear();
  await disconnect(deps, 'alice', 'a1');
  expect(presenceTo('b1')).toEqual([]);
  await disconnect(deps, 'alice', 'a2');
  for (const conn of ['b1', 'd1']) expect(presenceTo(conn)).toEqual([{ type: 'presence', userId: 'alice', online: false }]);
  expect(await live('alice')).toEqual([]);
});

it('someone who is not a friend hears nothing of my presence', async () => {
  await connect(deps, 'alice', 'Alice', 'a1');
  await disconnect(deps, 'alice', 'a1');
  expect(deps.pusher.framesTo('c1')).toEqual([]);
});

it('connecting saves the name my token gives, which my friends’ lists then show', async () => {
  await connect(deps, 'alice', 'Alice Liddell', 'a1');
  expect(await deps.friends.names(['alice'])).toEqual(new Map([['alice', 'Alice Liddell']]));
  expect(await deps.friends.list('bob')).toEqual([{ userId: 'alice', name: 'Alice Liddell' }]);
});

it('a user holds at most 10 live connections: the 11th is refused and not stored, and nobody is told', async () => {
  for (let i = 1; i <= 10; i++) {
    await connect(deps, 'alice', 'Alice', `a${i}`);
    deps.clock.advance(CONNECT_GRACE_MS); // each one settled (its own $connect long done)
  }
  deps.pusher.clear();
  await expect(connect(deps, 'alice', 'Alice', 'a11')).rejects.toBeInstanceOf(TooManyConnectionsError);
  expect(await live('alice')).toHaveLength(10);
  expect(await live('alice')).not.toContain('a11');
  expect(deps.pusher.all()).toEqual([]);
});

it('connections a lost $disconnect left behind (gone at the gateway) do not lock the user out, and are dropped', async () => {
  for (let i = 1; i <= 10; i++) {
    await connect(deps, 'alice', 'Alice', `a${i}`);
    deps.clock.advance(CONNECT_GRACE_MS);
  }
  deps.pusher.gone('a1', 'a2');
  await connect(deps, 'alice', 'Alice', 'a11');
  expect((await live('alice')).sort()).toEqual(['a10', 'a11', 'a3', 'a4', 'a5', 'a6', 'a7', 'a8', 'a9']);
});

it('a connection lives no longer than the token it was opened with: after that, no push reaches it', async () => {
  const now = deps.clock.now();
  await connect(deps, 'alice', 'Alice', 'a1', now + 60_000);
  await connect(deps, 'alice', 'Alice', 'a2'); // a later token
  deps.clock.advance(61_000);
  expect(await live('alice')).toEqual(['a2']);
  await sendChat(deps, { from: 'bob', to: 'alice', content: 'still there?', clientMessageId: 'c-1' });
  expect(deps.pusher.framesTo('a1')).toEqual([]);
  expect(deps.pusher.framesTo('a2', 'message')).toHaveLength(1);
});

it('a user whose only connection has expired is offline: the next connection announces online again', async () => {
  await connect(deps, 'alice', 'Alice', 'a1', deps.clock.now() + 60_000);
  deps.clock.advance(61_000);
  deps.pusher.clear();
  await connect(deps, 'alice', 'Alice', 'a2');
  expect(presenceTo('b1')).toEqual([{ type: 'presence', userId: 'alice', online: true }]);
});

describe('delivery', () => {
  it('a gone connection (410) is removed and the user’s other connections still get the frame', async () => {
    await connect(deps, 'bob', 'bob', 'b2');
    deps.clock.advance(CONNECT_GRACE_MS + 1);
    deps.pusher.gone('b1');
    const report = await deliver(deps, ['bob'], { type: 'typing', from: 'alice' });
    expect(report).toEqual({ delivered: 1, gone: 1, failed: 0 });
    expect(await live('bob')).toEqual(['b2']);
    expect(deps.connections.stored('bob')).toEqual(['b2']);
    expect(deps.pusher.framesTo('b2')).toEqual([{ type: 'typing', from: 'alice' }]);
  });

  it('a push that fails (not 410) keeps the connection and does not fail the send: the message is stored', async () => {
    deps.pusher.failing('b1');
    const { message } = await sendChat(deps, { from: 'alice', to: 'bob', content: 'hi', clientMessageId: 'c-1' });
    expect(deps.messages.stored().map((m) => m.id)).toEqual([message.id]);
    expect(await live('bob')).toEqual(['b1']);
  });

  it('a frame for several users goes once to each of their live connections, even if a user is named twice', async () => {
    await connect(deps, 'bob', 'bob', 'b2');
    const report = await deliver(deps, ['bob', 'dave', 'bob', 'nobody'], { type: 'pong' });
    expect(report.delivered).toBe(3);
    for (const conn of ['b1', 'b2', 'd1']) expect(deps.pusher.framesTo(conn)).toEqual([{ type: 'pong' }]);
    expect(deps.pusher.framesTo('c1')).toEqual([]);
  });
});
