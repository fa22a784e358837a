/**
 * A function that runs past its timeout fails locally as it fails on Lambda, and each caller gets what API Gateway or
 * EventBridge gives it then: a WebSocket caller API Gateway's error frame (socket kept), an HTTP caller 500
 * {"message":"Internal Server Error"}, an EventBridge event its retries and then the dead-letter queue. API Gateway's
 * own integration timeout caps how long a WebSocket caller waits for a slower function. Fixture handlers never answer
 * (until the test ends) and have tiny timeouts of their own; outcomes are asserted, never durations.
 */
import WebSocket from 'ws';
import { sendEvent } from '../support/clients';
import { startTestStack, type TestStack } from '../support/stack';

let release: () => void = () => undefined;
const released = new Promise<void>((resolve) => (release = resolve));
const never = async () => {
  await released;
  return { statusCode: 200, body: '"too late"' };
};
const allowAll = async (e: { methodArn: string }) => ({
  principalId: 'u-1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: e.methodArn }] },
  context: { userId: 'u-1' },
});
const requestIds: Record<string, string> = {};
const remember = (handler: () => Promise<unknown>) => async (e: { requestContext: { routeKey: string; requestId: string } }) => {
  requestIds[e.requestContext.routeKey] = e.requestContext.requestId;
  return handler();
};

let stack: TestStack;
let lastConnectionId = '';

beforeAll(async () => {
  stack = await startTestStack({
    // API Gateway's WebSocket integration timeout, shortened: longer than wsDefault's own timeout, shorter than wsTyping's.
    wsLimits: { integrationTimeoutMs: 500 },
    httpIntegrationTimeoutMs: 500,
    log: 'silent',
    functions: {
      wsAuthorizer: allowAll,
      wsConnect: async (e: { requestContext: { connectionId: string } }) => {
        lastConnectionId = e.requestContext.connectionId;
        return { statusCode: 200 };
      },
      wsDisconnect: async () => ({ statusCode: 200 }),
      wsDefault: { handler: remember(never), timeoutSeconds: 0.02 },
      wsTyping: { handler: remember(never), timeoutSeconds: 60 },
      httpFriends: { handler: never, timeoutSeconds: 0.02 },
      httpConversations: { handler: never, timeoutSeconds: 60 },
      eventsNotify: { handler: never, timeoutSeconds: 0.02 },
    },
  });
});
afterAll(async () => {
  release();
  await stack?.stop();
});

async function socket(): Promise<{ ws: WebSocket; frames: string[]; id: string }> {
  const ws = new WebSocket(`${stack.wsUrl}?token=any`);
  const frames: string[] = [];
  ws.on('message', (data) => frames.push(data.toString()));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames, id: lastConnectionId };
}
const nextFrame = async (frames: string[], index: number): Promise<string> => {
  while (frames.length <= index) await new Promise((r) => setTimeout(r, 20));
  return frames[index];
};

it('a WebSocket route past its Lambda timeout: the caller gets "Internal server error" and keeps its socket', async () => {
  const { ws, frames, id } = await socket();
  ws.send('anything');
  const frame = JSON.parse(await nextFrame(frames, 0));
  expect(frame).toEqual({ message: 'Internal server error', connectionId: id, requestId: requestIds.$default });
  expect(ws.readyState).toBe(WebSocket.OPEN);
  ws.close();
});

it("a WebSocket route slower than API Gateway's integration timeout: the caller gets \"Endpoint request timed out\"", async () => {
  const { ws, frames, id } = await socket();
  ws.send(JSON.stringify({ action: 'typing', to: 'someone' }));
  const frame = JSON.parse(await nextFrame(frames, 0));
  expect(frame).toEqual({ message: 'Endpoint request timed out', connectionId: id, requestId: requestIds.typing });
  expect(ws.readyState).toBe(WebSocket.OPEN);
  ws.close();
});

const withToken = async () => ({ headers: { authorization: `Bearer ${await stack.token('u-1')}` } });

it('an HTTP route past its timeout: 500 {"message":"Internal Server Error"}', async () => {
  const res = await fetch(`${stack.url}/api/friends`, await withToken());
  expect(res.status).toBe(500);
  expect(await res.json()).toEqual({ message: 'Internal Server Error' });
});

it("an HTTP route slower than API Gateway's integration timeout: 503 {\"message\":\"Service Unavailable\"}", async () => {
  const res = await fetch(`${stack.url}/api/messages/conversations/list`, await withToken());
  expect(res.status).toBe(503);
  expect(await res.json()).toEqual({ message: 'Service Unavailable' });
});

it('an EventBridge target past its timeout is retried, then dead-lettered with Lambda’s reason', async () => {
  const id = await sendEvent(stack, 'UserFollowed', { userId: 'u-2', follower: { id: 'u-3', name: 'U3' } });
  await stack.drainEvents();
  const dead = stack.local.events.deadLetters.find((d) => d.event.id === id);
  expect(dead).toMatchObject({ attempts: 3, reason: 'Task timed out after 0.02 seconds' });
});
