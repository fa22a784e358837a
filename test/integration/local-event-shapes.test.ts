/**
 * What the local gateway gives a handler has every field a real AWS event has, with the same JSON type — and nothing
 * a real one lacks but the fields named below with their reason. The events are captured from the running stack
 * (fixture handlers record what they get), driven by clients that send what each sample's client sent, and compared
 * with the real samples in test/fixtures/aws-samples/ (README there: where each comes from).
 */
import * as http from 'node:http';
import WebSocket from 'ws';
import authorizerSample from '../fixtures/aws-samples/ws-authorizer-request.json';
import bridgeSample from '../fixtures/aws-samples/eventbridge.json';
import httpJwtSample from '../fixtures/aws-samples/http-api-v2-jwt-authorizer.json';
import httpSample from '../fixtures/aws-samples/http-api-v2-no-authorizer.json';
import connectSample from '../fixtures/aws-samples/ws-connect.json';
import disconnectNoStatusSample from '../fixtures/aws-samples/ws-disconnect-no-status.json';
import disconnectSample from '../fixtures/aws-samples/ws-disconnect.json';
import messageSample from '../fixtures/aws-samples/ws-message.json';
import { sendEvent } from '../support/clients';
import { shapeDiff, type ShapeOptions } from '../support/event-shape';
import { startTestStack, type TestStack } from '../support/stack';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Captured = any;
const captured: Record<'authorizer' | 'connect' | 'message' | 'disconnect' | 'http' | 'bridge', Captured[]> = {
  authorizer: [],
  connect: [],
  message: [],
  disconnect: [],
  http: [],
  bridge: [],
};
/** A fixture handler that keeps the event as the function receives it (JSON) and answers `result`. */
const recorder =
  (into: keyof typeof captured, result: unknown = { statusCode: 200 }) =>
  async (event: unknown) => {
    captured[into].push(JSON.parse(JSON.stringify(event)));
    return result;
  };
const waitFor = async <T>(probe: () => T | undefined): Promise<T> => {
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 20));
  }
};
const byConnection = (list: Captured[], id: string) => list.find((e) => e.requestContext.connectionId === id);

const NO_DIFF = { missing: [], wrongType: [], extra: [] };
/** Fields an @types/aws-lambda type demands that AWS doesn't send: kept so the events satisfy the handlers' types. */
const TYPE_DEMANDS = '@types/aws-lambda demands it; the real event has none';
/** Parley's $connect has a REQUEST authorizer; API Gateway then adds its context to every route's event. */
const PARLEY_AUTHORIZER = "Parley's WebSocket API has a Lambda authorizer: requestContext.authorizer is on every route (the sample's API had none)";
/** A browser-like client: the samples' clients sent a User-Agent, so `identity.userAgent` is there. */
const BROWSER_UA = 'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/118.0.0.0 Safari/537.36';

let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    functions: {
      wsAuthorizer: async (event: Captured) => {
        captured.authorizer.push(JSON.parse(JSON.stringify(event)));
        const statement = { Action: 'execute-api:Invoke', Effect: 'Allow', Resource: event.methodArn };
        return { principalId: 'shape-user', policyDocument: { Version: '2012-10-17', Statement: [statement] }, context: { userId: 'shape-user', name: 'Shape' } };
      },
      wsConnect: recorder('connect'),
      wsDefault: recorder('message'),
      wsDisconnect: recorder('disconnect'),
      httpFriends: recorder('http', { statusCode: 200, body: '[]' }),
      eventsNotify: recorder('bridge'),
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

/** Open a socket the way a sample's client did; resolves with its connection id (from the $connect event). */
async function open(query: string, headers: Record<string, string> = {}): Promise<{ ws: WebSocket; id: string }> {
  const before = captured.connect.length;
  const ws = new WebSocket(`${stack.wsUrl}?${query}`, { headers });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const event = await waitFor(() => captured.connect[before]);
  return { ws, id: event.requestContext.connectionId };
}

describe('WebSocket events match real ones', () => {
  let bare: { ws: WebSocket; id: string };
  let browser: { ws: WebSocket; id: string };

  beforeAll(async () => {
    // Like the authorizer sample's client: the QueryString1 parameter (and Parley's token); no User-Agent.
    bare = await open('QueryString1=queryValue1&token=anything');
    browser = await open('token=anything', { 'User-Agent': BROWSER_UA });
  });
  afterAll(() => {
    for (const { ws } of [bare, browser]) ws.terminate();
  });

  it('the REQUEST authorizer event', () => {
    const local = captured.authorizer.find((e) => e.requestContext.connectionId === bare.id);
    const options: ShapeOptions = {
      missingAllowed: {
        body: "added in Powertools' copy of the AWS docs sample; real authorizer events have none (only the console's test tool sends it)",
        isBase64Encoded: "added in Powertools' copy of the AWS docs sample, like body",
      },
      extrasAllowed: Object.fromEntries(
        ['resource', 'path', 'httpMethod', 'pathParameters', 'requestContext.accountId', 'requestContext.protocol', 'requestContext.httpMethod', 'requestContext.path', 'requestContext.resourceId', 'requestContext.resourcePath', 'requestContext.identity.*'].map((p) => [p, TYPE_DEMANDS]),
      ),
    };
    expect(shapeDiff(authorizerSample, local, options)).toEqual(NO_DIFF);
    expect(local.methodArn).toMatch(/^arn:aws:execute-api:[a-z0-9-]+:\d{12}:local\/local\/\$connect$/);
  });

  it('the $connect event', () => {
    const local = byConnection(captured.connect, bare.id);
    const options: ShapeOptions = {
      missingAllowed: {
        'headers.x-api-key': "the sample's client sent an API key; Parley's APIs have none",
        'multiValueHeaders.x-api-key': 'as headers.x-api-key',
        'requestContext.identity.apiKey': 'API keys: Parley has none',
        'requestContext.identity.apiKeyId': 'API keys: Parley has none',
      },
      extrasAllowed: {
        'requestContext.messageId': TYPE_DEMANDS,
        'requestContext.authorizer': PARLEY_AUTHORIZER,
        queryStringParameters: "Parley's client sends its token in the query string (the authorizer's identity source); the sample's sent none",
        multiValueQueryStringParameters: 'as queryStringParameters',
      },
    };
    expect(shapeDiff(connectSample, local, options)).toEqual(NO_DIFF);
  });

  it('a MESSAGE event', async () => {
    browser.ws.send('{"a": 1}');
    const local = await waitFor(() => byConnection(captured.message, browser.id));
    expect(shapeDiff(messageSample, local, { extrasAllowed: { 'requestContext.authorizer': PARLEY_AUTHORIZER } })).toEqual(NO_DIFF);
  });

  const disconnectOptions: ShapeOptions = { extrasAllowed: { 'requestContext.messageId': TYPE_DEMANDS, 'requestContext.authorizer': PARLEY_AUTHORIZER } };

  it('$disconnect after a close frame with a status: its code and the client’s reason (a browser leaving a page: 1001, "")', async () => {
    browser.ws.close(1001);
    const local = await waitFor(() => byConnection(captured.disconnect, browser.id));
    expect(shapeDiff(disconnectSample, local, disconnectOptions)).toEqual(NO_DIFF);
    expect(local.requestContext).toMatchObject({
      disconnectStatusCode: disconnectSample.requestContext.disconnectStatusCode,
      disconnectReason: disconnectSample.requestContext.disconnectReason,
    });
    expect(local.headers).toEqual({ Host: local.requestContext.domainName, 'x-api-key': '', 'X-Forwarded-For': '', 'x-restapi': '' });
  });

  it('$disconnect after a close frame without a status: 1005 and the text AWS writes', async () => {
    bare.ws.close();
    const local = await waitFor(() => byConnection(captured.disconnect, bare.id));
    expect(shapeDiff(disconnectNoStatusSample, local, disconnectOptions)).toEqual(NO_DIFF);
    expect(local.requestContext).toMatchObject({ disconnectStatusCode: 1005, disconnectReason: 'Client-side close frame status not set' });
    expect(disconnectNoStatusSample.requestContext.disconnectReason).toBe('Client-side close frame status not set');
  });
});

it('the HTTP API event matches the real ones, with and without the JWT authorizer', async () => {
  // The sample's client was curl: GET with these headers — plus the bearer token every Parley route requires.
  const token = await stack.token('shape-user', 'Shape');
  const status = await new Promise<number>((resolve, reject) => {
    const headers = { accept: '*/*', 'content-length': '0', 'user-agent': 'curl/7.58.0', authorization: `Bearer ${token}` };
    const req = http.request(`${stack.url}/api/friends`, { method: 'GET', headers }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
  expect(status).toBe(200);
  const local = captured.http[captured.http.length - 1];
  const mtls = { 'requestContext.authentication': "the sample's API used mutual TLS; Parley's doesn't" };
  const options: ShapeOptions = { missingAllowed: mtls, extrasAllowed: { 'requestContext.authorizer': 'every Parley route is behind the JWT authorizer (the sample had none)', 'headers.authorization': 'the bearer token that authorizer reads' } };
  expect(shapeDiff(httpSample, local, options)).toEqual(NO_DIFF);
  // A real capture behind a Cognito JWT authorizer: the same shape, claims aside (they are the issuer's own).
  const claims = { 'requestContext.authorizer.jwt.claims.*': "each issuer's tokens carry their own claims" };
  expect(shapeDiff(httpJwtSample, local, { missingAllowed: { ...claims, 'headers.accept-encoding': "curl sent none; the sample's HTTPie did" }, extrasAllowed: claims })).toEqual(NO_DIFF);
  // Values, where a wrong one would still have the right type: every claim a string (API Gateway's way), scopes null,
  // API Gateway's time format and its forwarding headers.
  expect(local.requestContext.authorizer.jwt.scopes).toBeNull();
  expect(Object.values(local.requestContext.authorizer.jwt.claims).every((v) => typeof v === 'string')).toBe(true);
  expect(local.requestContext.authorizer.jwt.claims).toMatchObject({ sub: 'shape-user', name: 'Shape', exp: expect.stringMatching(/^\d+$/) });
  expect(local.requestContext.time).toMatch(/^\d{2}\/[A-Z][a-z]{2}\/\d{4}:\d{2}:\d{2}:\d{2} \+0000$/);
  expect(local.headers).toMatchObject({ 'x-forwarded-for': '127.0.0.1', 'x-forwarded-port': String(stack.port), 'x-forwarded-proto': 'http' });
  expect(local.headers['x-amzn-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24}$/);
});

it('the EventBridge event matches the real one', async () => {
  const id = await sendEvent(stack, 'UserFollowed', { userId: 'shape-user', follower: { id: 'f', name: 'F' } });
  const local = await waitFor(() => captured.bridge.find((e) => e.id === id));
  const options: ShapeOptions = {
    missingAllowed: { 'replay-name': 'only on events replayed from an archive; Parley replays none', 'detail.*': "the detail is the publisher's own data" },
    extrasAllowed: { 'detail.*': "the detail is the publisher's own data" },
  };
  expect(shapeDiff(bridgeSample, local, options)).toEqual(NO_DIFF);
});
