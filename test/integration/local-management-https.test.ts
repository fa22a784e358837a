/**
 * The common handler pattern — a stock ApiGatewayManagementApiClient built from the event as
 * `https://${requestContext.domainName}/${requestContext.stage}` — reaches the local Management API as it reaches
 * AWS's: over TLS, on the stack's own port, under the stage. The fixture `$default` handler does exactly that to
 * push to its own connection, describe it and close it. Certificate checks stay on: the process trusts the stack's
 * certificate for the stack's port, and the host name is still verified.
 */
import tls = require('node:tls');
import {
  ApiGatewayManagementApiClient,
  DeleteConnectionCommand,
  GetConnectionCommand,
  PostToConnectionCommand,
} from '@aws-sdk/client-apigatewaymanagementapi';
import WebSocket from 'ws';
import { startTestStack, type TestStack } from '../support/stack';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Event = any;
/** One client per endpoint, made once (as a handler keeps its client at module scope). */
const clients = new Map<string, ApiGatewayManagementApiClient>();
const clientFor = (endpoint: string) => {
  let client = clients.get(endpoint);
  if (!client) clients.set(endpoint, (client = new ApiGatewayManagementApiClient({ endpoint })));
  return client;
};

const connects: Event[] = [];
const disconnects: Event[] = [];
let stack: TestStack;

beforeAll(async () => {
  stack = await startTestStack({
    log: 'silent',
    functions: {
      wsAuthorizer: async (e: Event) => ({
        principalId: 'u-1',
        policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: 'Allow', Resource: e.methodArn }] },
      }),
      wsConnect: async (e: Event) => {
        connects.push(e);
        return { statusCode: 200 };
      },
      wsDisconnect: async (e: Event) => {
        disconnects.push(e);
        return { statusCode: 200 };
      },
      wsDefault: async (event: Event) => {
        const { domainName, stage, connectionId } = event.requestContext;
        const endpoint = `https://${domainName}/${stage}`;
        const client = clientFor(endpoint);
        const push = (frame: unknown) => client.send(new PostToConnectionCommand({ ConnectionId: connectionId, Data: JSON.stringify(frame) }));
        const { action } = JSON.parse(event.body);
        if (action === 'push') await push({ type: 'pushed', endpoint });
        if (action === 'describe') {
          const out = await client.send(new GetConnectionCommand({ ConnectionId: connectionId }));
          await push({ type: 'described', sourceIp: out.Identity?.SourceIp, connectedAt: out.ConnectedAt?.toISOString() });
        }
        if (action === 'leave') await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
        return { statusCode: 200 };
      },
    },
  });
});
afterAll(async () => {
  for (const client of clients.values()) client.destroy();
  await stack?.stop();
});

async function open(url: string): Promise<{ ws: WebSocket; frames: Record<string, unknown>[]; id: string; closed: Promise<number> }> {
  const before = connects.length;
  const ws = new WebSocket(`${url}?token=any`);
  const frames: Record<string, unknown>[] = [];
  ws.on('message', (data) => frames.push(JSON.parse(data.toString())));
  const closed = new Promise<number>((resolve) => ws.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return { ws, frames, id: connects[before].requestContext.connectionId, closed };
}
const frameOf = async (frames: Record<string, unknown>[], type: string) => {
  for (;;) {
    const frame = frames.find((f) => f.type === type);
    if (frame) return frame;
    await new Promise((r) => setTimeout(r, 20));
  }
};

it.each([
  ['127.0.0.1', () => stack.wsUrl],
  ['localhost', () => `ws://localhost:${stack.port}/ws`],
])('a handler reaches its own connection at https://${domainName}/${stage} (client at %s)', async (host, url) => {
  const c = await open(url());
  c.ws.send(JSON.stringify({ action: 'push' }));
  expect(await frameOf(c.frames, 'pushed')).toEqual({ type: 'pushed', endpoint: `https://${host}:${stack.port}/local` });
  c.ws.send(JSON.stringify({ action: 'describe' }));
  expect(await frameOf(c.frames, 'described')).toEqual({ type: 'described', sourceIp: '127.0.0.1', connectedAt: expect.any(String) });
  c.ws.close();
});

it('a client can connect with wss:// on the same port; its events say X-Forwarded-Proto https', async () => {
  const c = await open(`wss://127.0.0.1:${stack.port}/ws`);
  expect(connects[connects.length - 1].headers['X-Forwarded-Proto']).toBe('https');
  c.ws.send(JSON.stringify({ action: 'push' }));
  await frameOf(c.frames, 'pushed');
  c.ws.close();
});

it('DeleteConnection from the handler closes the socket; $disconnect says 1000 "Connection Closed Normally"', async () => {
  const c = await open(stack.wsUrl);
  c.ws.send(JSON.stringify({ action: 'leave' }));
  await c.closed;
  for (;;) {
    const event = disconnects.find((e) => e.requestContext.connectionId === c.id);
    if (event) {
      expect(event.requestContext).toMatchObject({ disconnectStatusCode: 1000, disconnectReason: 'Connection Closed Normally' });
      break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
});

it('the certificate is still checked: a TLS client asking for another host name is refused', async () => {
  const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port: stack.port, servername: 'parley.example.com' }, () => {
      socket.destroy();
      resolve(Object.assign(new Error('connected'), { code: 'CONNECTED' }));
    });
    socket.on('error', (err) => resolve(err));
  });
  expect(error.code).toBe('ERR_TLS_CERT_ALTNAME_INVALID');
});
