/**
 * API Gateway's idle timeout closes a quiet connection with 1001 "Going away", and its `$disconnect` says the same
 * (a real $disconnect ten minutes after its $connect carries exactly that). The idle limit is shortened to a tiny
 * value here; the test waits on the outcome (the close), not on a clock.
 */
import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../support/stack';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Event = any;
const disconnects: Event[] = [];
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    log: 'silent',
    wsLimits: { idleTimeoutSeconds: 0.05 },
    functions: {
      wsAuthorizer: async (e: Event) => ({
        principalId: 'u-1',
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: e.methodArn }] },
      }),
      wsConnect: async () => ({ statusCode: 200 }),
      wsDisconnect: async (e: Event) => {
        disconnects.push(e);
        return { statusCode: 200 };
      },
    },
  });
});
afterAll(async () => {
  await stack?.stop();
});

it('an idle connection is closed with 1001 "Going away", and $disconnect reports that', async () => {
  const ws = new WebSocket(`${stack.wsUrl}?token=any`);
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  expect(await closed).toEqual({ code: 1001, reason: 'Going away' });
  for (;;) {
    if (disconnects.length) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  expect(disconnects[0].requestContext).toMatchObject({ disconnectStatusCode: 1001, disconnectReason: 'Going away' });
});
