/**
 * The WebSocket client against a fake WebSocket and jest's fake clock: states, reconnect with capped jittered
 * backoff, a fresh URL (token) per attempt, ping/pong watchdog, network loss, and a clean close.
 */
import { backoffDelay } from '../../web/src/api/backoff';
import { SocketClient, type ConnectionState } from '../../web/src/api/socket';
import type { ServerFrame } from '../../web/src/types';
import { FakeWebSocket, flush } from './fakes';

const BACKOFF = { baseMs: 1000, maxMs: 30_000 };

function client(opts: { online?: () => boolean; random?: () => number } = {}) {
  let n = 0;
  const states: ConnectionState[] = [];
  const frames: ServerFrame[] = [];
  const opens: boolean[] = [];
  const c = new SocketClient({
    url: () => `ws://test/ws?token=t${++n}`,
    WebSocketImpl: FakeWebSocket,
    backoff: BACKOFF,
    random: opts.random ?? (() => 1),
    pingIntervalMs: 270_000,
    pongTimeoutMs: 20_000,
    isOnline: opts.online,
  });
  c.on('state', (s) => states.push(s));
  c.on('frame', (f) => frames.push(f));
  c.on('open', (i) => opens.push(i.reconnected));
  return { c, states, frames, opens };
}

beforeEach(() => {
  FakeWebSocket.reset();
  jest.useFakeTimers();
});
afterEach(() => jest.useRealTimers());

describe('backoffDelay', () => {
  test('doubles from the base, never exceeds the cap, and keeps at least half of each step', () => {
    const high = [0, 1, 2, 3, 4, 5, 6, 10, 50].map((a) => backoffDelay(a, BACKOFF, () => 1));
    expect(high).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000, 30000]);
    const low = [0, 1, 2, 5, 50].map((a) => backoffDelay(a, BACKOFF, () => 0));
    expect(low).toEqual([500, 1000, 2000, 15000, 15000]);
  });

  test('jitter spreads clients: different random draws give different delays within [step/2, step]', () => {
    const draws = [0.1, 0.35, 0.6, 0.9].map((r) => backoffDelay(3, BACKOFF, () => r));
    expect(new Set(draws).size).toBe(4);
    for (const d of draws) {
      expect(d).toBeGreaterThanOrEqual(4000);
      expect(d).toBeLessThanOrEqual(8000);
    }
    // A broken random source can't push it outside the range either.
    expect(backoffDelay(3, BACKOFF, () => 7)).toBe(8000);
    expect(backoffDelay(3, BACKOFF, () => -1)).toBe(4000);
  });
});

describe('SocketClient', () => {
  test('connects with the URL it is given and reports connecting → connected', async () => {
    const { c, states, opens } = client();
    c.connect();
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(FakeWebSocket.last.url).toBe('ws://test/ws?token=t1');
    expect(c.state).toBe('connecting');
    FakeWebSocket.last.open();
    expect(c.state).toBe('connected');
    expect(states).toEqual(['connecting', 'connected']);
    expect(opens).toEqual([false]);
    // connect() again while open opens nothing new.
    c.connect();
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(1);
  });

  test('after a drop it reconnects with growing, capped delays and asks for a fresh URL (token) every time', async () => {
    const { c, states, opens } = client();
    c.connect();
    await flush();
    FakeWebSocket.last.open();

    FakeWebSocket.last.drop();
    expect(c.state).toBe('reconnecting');
    const waits: number[] = [];
    for (let i = 0; i < 7; i++) {
      waits.push(c.nextDelayMs!);
      const before = FakeWebSocket.instances.length;
      jest.advanceTimersByTime(c.nextDelayMs! - 1);
      await flush();
      expect(FakeWebSocket.instances).toHaveLength(before); // not a millisecond early
      jest.advanceTimersByTime(1);
      await flush();
      expect(FakeWebSocket.instances).toHaveLength(before + 1);
      FakeWebSocket.last.drop(); // the handshake fails too
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(new Set(FakeWebSocket.instances.map((w) => w.url)).size).toBe(FakeWebSocket.instances.length);
    expect(c.state).toBe('reconnecting');

    // It comes back: connected, the backoff starts over, and listeners hear it is a REconnect.
    jest.advanceTimersByTime(c.nextDelayMs!);
    await flush();
    FakeWebSocket.last.open();
    expect(c.state).toBe('connected');
    expect(c.attempt).toBe(0);
    expect(opens).toEqual([false, true]);
    expect(states.at(-1)).toBe('connected');
    FakeWebSocket.last.drop();
    expect(c.nextDelayMs).toBe(1000);
  });

  test('by default a long outage never leaves more than 10 s between attempts, and "visible" or "online" try at once', async () => {
    // A server that was down for minutes (a restart) is tried again at most 10 s after it is back.
    const c = new SocketClient({ url: () => 'ws://test/ws', WebSocketImpl: FakeWebSocket, random: () => 1 });
    c.connect();
    await flush();
    FakeWebSocket.last.open();
    FakeWebSocket.last.drop();
    const waits: number[] = [];
    for (let i = 0; i < 12; i++) {
      waits.push(c.nextDelayMs!);
      jest.advanceTimersByTime(c.nextDelayMs!);
      await flush();
      FakeWebSocket.last.drop();
    }
    expect(waits).toEqual([1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000, 10000, 10000, 10000, 10000]);
    // The tab becomes visible (or the network comes back): no waiting out the scheduled delay.
    const before = FakeWebSocket.instances.length;
    c.reconnectNow();
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(before + 1);
    FakeWebSocket.last.open();
    expect(c.state).toBe('connected');
    c.close();
  });

  test('parses frames, ignores junk, and only the current socket is heard', async () => {
    const { c, frames } = client();
    c.connect();
    await flush();
    const first = FakeWebSocket.last;
    first.open();
    first.receive({ type: 'presence', userId: 'bob', online: true });
    first.receive('not json');
    first.receive('{"no":"type"}');
    first.receive('null');
    expect(frames).toEqual([{ type: 'presence', userId: 'bob', online: true }]);

    first.drop();
    jest.advanceTimersByTime(c.nextDelayMs!);
    await flush();
    FakeWebSocket.last.open();
    first.receive({ type: 'typing', from: 'ghost' }); // a late frame from the dead socket
    expect(frames).toHaveLength(1);
  });

  test('send() is false (and sends nothing) unless the socket is open', async () => {
    const { c } = client();
    expect(c.send({ action: 'ping' })).toBe(false);
    c.connect();
    await flush();
    expect(c.send({ action: 'ping' })).toBe(false);
    FakeWebSocket.last.open();
    expect(c.send({ action: 'markRead', peerId: 'bob' })).toBe(true);
    expect(FakeWebSocket.last.frames).toEqual([{ action: 'markRead', peerId: 'bob' }]);
    FakeWebSocket.last.drop();
    expect(c.send({ action: 'ping' })).toBe(false);
  });

  test('pings every 4.5 minutes; a pong keeps the socket, no pong within 20 s replaces it', async () => {
    const { c } = client();
    c.connect();
    await flush();
    const ws = FakeWebSocket.last;
    ws.open();
    jest.advanceTimersByTime(269_999);
    expect(ws.frames).toEqual([]);
    jest.advanceTimersByTime(1);
    expect(ws.frames).toEqual([{ action: 'ping' }]);
    ws.receive({ type: 'pong' });
    jest.advanceTimersByTime(60_000);
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(c.state).toBe('connected');

    jest.advanceTimersByTime(210_000); // second ping, and this time no pong
    expect(ws.frames).toEqual([{ action: 'ping' }, { action: 'ping' }]);
    jest.advanceTimersByTime(20_000);
    expect(ws.closedWith).toBeDefined();
    expect(c.state).toBe('reconnecting');
    jest.advanceTimersByTime(c.nextDelayMs!);
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  test('network lost shows offline and stops retrying; network back reconnects at once', async () => {
    let online = true;
    const { c } = client({ online: () => online });
    c.connect();
    await flush();
    FakeWebSocket.last.open();
    online = false;
    c.networkLost();
    expect(c.state).toBe('offline');
    expect(FakeWebSocket.last.closedWith).toBeDefined();
    jest.advanceTimersByTime(120_000);
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(1);

    online = true;
    c.networkBack();
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
    expect(c.state).toBe('reconnecting');
    FakeWebSocket.last.open();
    expect(c.state).toBe('connected');
  });

  test('a drop while the device is offline shows offline, not reconnecting', async () => {
    let online = true;
    const { c } = client({ online: () => online });
    c.connect();
    await flush();
    FakeWebSocket.last.open();
    online = false;
    FakeWebSocket.last.drop();
    expect(c.state).toBe('offline');
  });

  test('reconnectNow skips the wait, but never opens a second socket', async () => {
    const { c } = client();
    c.connect();
    await flush();
    FakeWebSocket.last.open();
    FakeWebSocket.last.drop();
    expect(c.nextDelayMs).toBe(1000);
    c.reconnectNow();
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
    c.reconnectNow();
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
    jest.advanceTimersByTime(60_000); // the old scheduled retry was cancelled
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  test('close() closes for good: no reconnect, no more frames', async () => {
    const { c, frames } = client();
    c.connect();
    await flush();
    const ws = FakeWebSocket.last;
    ws.open();
    c.close();
    expect(c.state).toBe('closed');
    expect(ws.closedWith).toBe(1000);
    ws.receive({ type: 'pong' });
    ws.drop();
    jest.advanceTimersByTime(120_000);
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(1);
    expect(frames).toEqual([]);
  });

  test('a URL that cannot be made (token renewal failed) is retried with backoff', async () => {
    let fail = true;
    const c = new SocketClient({
      url: async () => {
        if (fail) throw new Error('no token');
        return 'ws://test/ws?token=ok';
      },
      WebSocketImpl: FakeWebSocket,
      backoff: BACKOFF,
      random: () => 1,
    });
    c.connect();
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(0);
    expect(c.state).toBe('reconnecting');
    fail = false;
    jest.advanceTimersByTime(1000);
    await flush();
    expect(FakeWebSocket.last.url).toBe('ws://test/ws?token=ok');
  });
});

test('each scheduled reconnect is announced with its delay (for the countdown in the top bar)', async () => {
  FakeWebSocket.reset();
  jest.useFakeTimers();
  const c = new SocketClient({ url: () => 'ws://x', WebSocketImpl: FakeWebSocket, backoff: BACKOFF, random: () => 1 });
  const retries: { delayMs: number; attempt: number }[] = [];
  c.on('retry', (r) => retries.push(r));
  c.connect();
  await flush();
  FakeWebSocket.last.open();
  FakeWebSocket.last.drop();
  jest.advanceTimersByTime(1000);
  await flush();
  FakeWebSocket.last.drop();
  expect(retries).toEqual([
    { delayMs: 1000, attempt: 1 },
    { delayMs: 2000, attempt: 2 },
  ]);
  c.close();
});

/** Connect and let the (fake) server accept: the open socket. */
async function opened(c: SocketClient): Promise<FakeWebSocket> {
  c.connect();
  await flush();
  FakeWebSocket.last.open();
  return FakeWebSocket.last;
}

describe('SocketClient: a renewed token (contract v1.1: a connection lives no longer than its token)', () => {
  test('moves to a connection opened with the new token, make-before-break: no state change, sends go to the new one', async () => {
    const { c, states, opens } = client();
    const old = await opened(c);

    c.renewConnection(10_000);
    await flush();
    const next = FakeWebSocket.last;
    expect(next).not.toBe(old);
    expect(next.url).toBe('ws://test/ws?token=t2');
    // Until the new one opens, the old one carries everything.
    expect(c.send({ action: 'ping' })).toBe(true);
    expect(old.frames).toEqual([{ action: 'ping' }]);

    next.open();
    expect(c.send({ action: 'typing', to: 'bob' })).toBe(true);
    expect(next.frames).toEqual([{ action: 'typing', to: 'bob' }]);
    expect(old.closedWith).toBeUndefined();
    expect(states).toEqual(['connecting', 'connected']); // no reconnecting in between: nothing flickers
    expect(opens).toEqual([false, true]); // the catch-up runs on the new connection
  });

  test('the old connection still delivers what was on its way (an ack) during the handover, then is closed', async () => {
    const { c, frames } = client();
    const old = await opened(c);
    c.renewConnection(10_000);
    await flush();
    FakeWebSocket.last.open();

    old.receive({ type: 'pong' });
    expect(frames).toEqual([{ type: 'pong' }]);
    jest.advanceTimersByTime(10_000);
    expect(old.closedWith).toBe(1000);
    // Its close schedules no reconnect: the new connection is the one.
    old.drop(1000);
    expect(c.state).toBe('connected');
    await flush();
    expect(FakeWebSocket.instances).toHaveLength(2);
  });

  test('a new connection that fails to open leaves the old one in place', async () => {
    const { c } = client();
    const old = await opened(c);
    c.renewConnection();
    await flush();
    FakeWebSocket.last.drop(1006);
    expect(c.state).toBe('connected');
    expect(c.send({ action: 'ping' })).toBe(true);
    expect(old.frames).toEqual([{ action: 'ping' }]);
  });

  test("API Gateway's own error frame (no type) reaches the app as an INTERNAL error", async () => {
    const { c, frames } = client();
    await opened(c);
    FakeWebSocket.last.receive('{"message": "Internal server error", "connectionId":"abc=", "requestId":"r-1"}');
    FakeWebSocket.last.receive('{"unrelated":true}');
    expect(frames).toEqual([{ type: 'error', code: 'INTERNAL', message: 'Internal server error' }]);
  });
});
