/**
 * The local WebSocket gateway behaves like API Gateway: handshake answers, route selection, event shapes,
 * two-way route responses, frame/message limits, and handler failures. The real authorizer and ping handler
 * run; $connect, $disconnect and $default are recording fixtures so the gateway's side is what is tested.
 */
import WebSocket from 'ws';
import type { APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import { HandshakeError, uid, WsClient } from '../support/clients';
import { startTestStack, type TestStack } from '../support/stack';

type Recorded = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & { authorizer: Record<string, unknown>; disconnectStatusCode?: number };
  headers?: Record<string, string>;
};

const seen: Recorded[] = [];
const eventsFor = (connectionId: string, routeKey: string) =>
  seen.filter((e) => e.requestContext.connectionId === connectionId && e.requestContext.routeKey === routeKey);
const waitFor = async <T>(probe: () => T | undefined, ms = 3000): Promise<T> => {
  const until = Date.now() + ms;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let stack: TestStack;
const open: WsClient[] = [];

beforeAll(async () => {
  stack = await startTestStack({
    log: 'silent',
    functions: {
      wsConnect: async (event: Recorded) => {
        seen.push(event);
        if (event.queryStringParameters?.refuse) return { statusCode: 429, body: 'slow down' };
        return { statusCode: 200 };
      },
      wsDisconnect: async (event: Recorded) => {
        seen.push(event);
        return { statusCode: 200 };
      },
      wsDefault: async (event: Recorded) => {
        seen.push(event);
        const body = event.body ?? '';
        if (body === 'boom') throw new Error('fixture failure with a secret stack');
        if (body.startsWith('slow')) await sleep(300);
        if (body === 'silent') return { statusCode: 200 };
        return { statusCode: 200, body: JSON.stringify({ type: 'echo', body: body.slice(0, 64), length: body.length }) };
      },
    },
  });
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await stack?.stop();
});

async function connect(userId = uid('ws'), opts: { name?: string; origin?: string } = {}): Promise<WsClient> {
  const c = await WsClient.open(stack, userId, opts);
  open.push(c);
  return c;
}

/** The connection id of the latest $connect for a user (from the fixture). */
const connectionIdOf = (userId: string) =>
  waitFor(() => [...seen].reverse().find((e) => e.requestContext.routeKey === '$connect' && e.requestContext.authorizer.principalId === userId)?.requestContext.connectionId);

function rawHandshake(url: string, origin?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, origin ? { origin } : {});
    ws.on('unexpected-response', (req, res) => {
      req.destroy();
      resolve(res.statusCode ?? 0);
    });
    ws.on('open', () => {
      ws.close();
      resolve(101);
    });
    ws.on('error', reject);
  });
}

describe('handshake', () => {
  it('refuses a handshake without a token with 401, before any authorizer or $connect runs', async () => {
    const before = seen.length;
    expect(await rawHandshake(stack.wsUrl)).toBe(401);
    expect(await rawHandshake(`${stack.wsUrl}?token=`)).toBe(401);
    expect(seen.length).toBe(before);
  });

  it('refuses a bad token with 403', async () => {
    expect(await rawHandshake(`${stack.wsUrl}?token=not.a.jwt`)).toBe(403);
  });

  it('refuses a browser Origin outside the allowlist with 403, even with a good token', async () => {
    await expect(connect(uid('ws'), { origin: 'https://evil.example' })).rejects.toMatchObject({ status: 403 });
  });

  it('accepts a dev token from the stack origin, from localhost, and from a client without Origin', async () => {
    await connect();
    await connect(uid('ws'), { origin: `http://localhost:${stack.port}` });
    await connect(uid('ws'), { origin: '' });
  });

  it('refuses the handshake with the status a non-2xx $connect returns', async () => {
    const token = await stack.token(uid('ws'));
    expect(await rawHandshake(`${stack.wsUrl}?token=${token}&refuse=1`)).toBe(429);
  });

  it('answers 404 for an upgrade on another path', async () => {
    const token = await stack.token(uid('ws'));
    expect(await rawHandshake(`ws://127.0.0.1:${stack.port}/elsewhere?token=${token}`)).toBe(404);
  });

  it('gives $connect an API-Gateway-shaped event with the authorizer context', async () => {
    const user = uid('shape');
    await connect(user, { name: 'Shape Tester' });
    const id = await connectionIdOf(user);
    const [event] = eventsFor(id, '$connect');

    expect(id).toMatch(/^[A-Za-z0-9]{15}=$/);
    expect(event.requestContext).toMatchObject({
      routeKey: '$connect',
      eventType: 'CONNECT',
      messageDirection: 'IN',
      connectionId: id,
      apiId: 'local',
      stage: 'local',
      domainName: `127.0.0.1:${stack.port}`,
      authorizer: { principalId: user, userId: user, name: 'Shape Tester' },
    });
    expect(typeof event.requestContext.connectedAt).toBe('number');
    expect(typeof event.requestContext.requestTimeEpoch).toBe('number');
    expect(event.headers?.Origin ?? event.headers?.origin).toBe(stack.url);
    expect(event.queryStringParameters?.token).toBeTruthy();
  });
});

describe('frames', () => {
  it('routes {"action":"ping"} to the real ping handler and relays its pong', async () => {
    const c = await connect();
    c.send({ action: 'ping' });
    expect(await c.next('pong')).toEqual({ type: 'pong' });
  });

  it('routes an unknown action, a non-string action, a $-action and non-JSON to $default with the raw body', async () => {
    const user = uid('route');
    const c = await connect(user);
    const id = await connectionIdOf(user);
    for (const body of ['{"action":"nope"}', '{"action":42}', '{"action":"$connect"}', 'not json', '[1,2]']) {
      c.send(body);
      await c.next('echo', (f) => f.body === body);
    }
    const events = eventsFor(id, '$default');
    expect(events.map((e) => e.body)).toEqual(['{"action":"nope"}', '{"action":42}', '{"action":"$connect"}', 'not json', '[1,2]']);
    expect(events[0].requestContext).toMatchObject({ eventType: 'MESSAGE', routeKey: '$default', connectionId: id, authorizer: { principalId: user, userId: user } });
    expect(events[0].isBase64Encoded).toBe(false);
  });

  it('sends nothing back when a two-way route returns no body', async () => {
    const c = await connect();
    c.send('silent');
    await c.expectNoFrame('echo', 300);
  });

  it('runs frames of one connection concurrently, like Lambda', async () => {
    const c = await connect();
    c.send('slow one');
    c.send('fast one');
    await c.next('echo', (f) => f.body === 'slow one');
    const order = c.frames.filter((f) => f.type === 'echo').map((f) => f.body);
    expect(order).toEqual(['fast one', 'slow one']);
  });

  it("answers a handler that throws with API Gateway's own error frame, keeps the socket open and leaks nothing", async () => {
    const user = uid('boom');
    const c = await connect(user);
    const id = await connectionIdOf(user);
    const raw: string[] = [];
    c.socket.on('message', (data) => raw.push(data.toString()));
    c.send('boom');
    const text = await waitFor(() => raw.find((t) => t.includes('Internal server error')));
    const [event] = await waitFor(() => (eventsFor(id, '$default').length ? eventsFor(id, '$default') : undefined));
    // Byte for byte what API Gateway sends (its spacing included); the requestId is the failed invocation's.
    expect(text).toBe(`{"message": "Internal server error", "connectionId":"${id}", "requestId":"${event.requestContext.requestId}"}`);
    expect(JSON.stringify(c.frames)).not.toContain('secret');
    c.send({ action: 'ping' });
    await c.next('pong');
  });

  it('accepts a 128 KB message sent as 32 KB fragments', async () => {
    const c = await connect();
    const part = 'x'.repeat(32 * 1024);
    for (let i = 0; i < 4; i++) c.socket.send(part, { fin: i === 3 });
    const echo = await c.next('echo');
    expect(echo.length).toBe(128 * 1024);
  });

  it('closes with 1009 on a single frame over 32 KB, without invoking a route', async () => {
    const user = uid('big');
    const c = await connect(user);
    const id = await connectionIdOf(user);
    c.send('y'.repeat(32 * 1024 + 1));
    expect((await c.closed).code).toBe(1009);
    await sleep(100);
    expect(eventsFor(id, '$default')).toHaveLength(0);
  });

  it('closes with 1009 on a message over 128 KB even when every frame is small', async () => {
    const c = await connect();
    const part = 'z'.repeat(16 * 1024);
    for (let i = 0; i < 9; i++) c.socket.send(part, { fin: i === 8 });
    expect((await c.closed).code).toBe(1009);
  });

  it('closes with 1003 on a binary frame, as API Gateway does', async () => {
    const c = await connect();
    c.socket.send(Buffer.from([1, 2, 3]), { binary: true });
    expect((await c.closed).code).toBe(1003);
  });
});

describe('disconnect', () => {
  it('calls $disconnect with the same authorizer context when the client closes', async () => {
    const user = uid('bye');
    const c = await connect(user);
    const id = await connectionIdOf(user);
    await c.close();
    const [event] = await waitFor(() => (eventsFor(id, '$disconnect').length ? eventsFor(id, '$disconnect') : undefined));
    expect(event.requestContext).toMatchObject({ eventType: 'DISCONNECT', routeKey: '$disconnect', connectionId: id, authorizer: { principalId: user, userId: user } });
    expect(event.requestContext.disconnectStatusCode).toBe(1000);
  });

  it("calls $disconnect with the gateway's own close code when the gateway closes the socket (1009), not the client's echo", async () => {
    const user = uid('bye');
    const c = await connect(user);
    const id = await connectionIdOf(user);
    c.send('q'.repeat(40 * 1024));
    await c.closed;
    const [event] = await waitFor(() => (eventsFor(id, '$disconnect').length ? eventsFor(id, '$disconnect') : undefined));
    expect(event.requestContext.disconnectStatusCode).toBe(1009);
  });
});

it('a refused handshake is a HandshakeError with the status and body', async () => {
  const err = await connect(uid('ws'), { origin: 'https://evil.example' }).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(HandshakeError);
  expect(err).toMatchObject({ status: 403 });
});
