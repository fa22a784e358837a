/**
 * The local gateway takes from a WebSocket REQUEST authorizer only what API Gateway takes: an IAM policy answer whose
 * statements cover the method ARN, with a flat context of strings, numbers and booleans (which the routes then get
 * as strings). Anything else fails the handshake as on AWS (500, AuthorizerConfigurationException) and the stack's
 * log tells the developer why. A fixture authorizer answers per token; the stack's log is captured.
 */
import { randomBytes } from 'node:crypto';
import WebSocket from 'ws';
import { createLog } from '../../local/log';
import { startStack } from '../../local/stack';
import { asTestStack, type TestStack } from '../support/stack';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Event = any;
const allow = (resource: string, more: Record<string, unknown> = {}, action = 'execute-api:Invoke') => ({
  principalId: 'u-1',
  policyDocument: { Version: '2012-10-17', Statement: [{ Action: action, Effect: 'Allow', Resource: resource }] },
  ...more,
});
let releaseSlow: () => void = () => undefined;
const slow = new Promise<void>((resolve) => (releaseSlow = resolve));

const ANSWERS: Record<string, (e: Event) => unknown> = {
  ok: (e) => allow(e.methodArn, { context: { userId: 'u-1', count: 3, admin: true } }),
  simple: () => ({ isAuthorized: true, context: { userId: 'u-1' } }),
  nested: (e) => allow(e.methodArn, { context: { user: { id: 'u-1' } } }),
  list: (e) => allow(e.methodArn, { context: { roles: ['admin'] } }),
  'null-value': (e) => allow(e.methodArn, { context: { userId: null } }),
  'no-principal': (e) => ({ policyDocument: allow(e.methodArn).policyDocument }),
  'other-route': (e) => allow(e.methodArn.replace(/\$connect$/, 'sendMessage')),
  'other-action': (e) => allow(e.methodArn, {}, 'execute-api:ManageConnections'),
  wildcard: () => allow('arn:aws:execute-api:*:*:local/*'),
  'deny-wins': (e) => ({
    principalId: 'u-1',
    policyDocument: { Version: '2012-10-17', Statement: [allow(e.methodArn).policyDocument.Statement[0], { Action: 'execute-api:*', Effect: 'Deny', Resource: '*' }] },
  }),
  throws: () => {
    throw new Error('boom in the authorizer');
  },
  Unauthorized: () => {
    throw new Error('Unauthorized');
  },
  slow: () => slow,
};

const lines: string[] = [];
const connects: Event[] = [];
let stack: TestStack;

beforeAll(async () => {
  const local = await startStack({
    port: 0,
    tablePrefix: `t${randomBytes(4).toString('hex')}-`,
    dynamoEndpoint: process.env.PARLEY_TEST_DYNAMO_ENDPOINT || undefined,
    inMemory: true,
    seed: false,
    buildWeb: false,
    log: createLog('error', (line) => lines.push(line)),
    functions: {
      // A tiny timeout of its own: the "slow" answer never comes, the others come at once.
      wsAuthorizer: { handler: async (e: Event) => ANSWERS[e.queryStringParameters.token](e), timeoutSeconds: 0.05 },
      wsConnect: async (e: Event) => {
        connects.push(e);
        return { statusCode: 200 };
      },
      wsDisconnect: async () => ({ statusCode: 200 }),
    },
  });
  stack = asTestStack(local);
});
afterAll(async () => {
  releaseSlow();
  await stack?.stop();
});

interface Handshake {
  status: number;
  errorType?: string;
  body: string;
}
function handshake(token: string): Promise<Handshake> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${stack.wsUrl}?token=${token}`);
    ws.on('unexpected-response', (req, res) => {
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, errorType: res.headers['x-amzn-errortype'] as string | undefined, body });
      });
    });
    ws.on('open', () => {
      ws.close();
      resolve({ status: 101, body: '' });
    });
    ws.on('error', reject);
  });
}

const CONFIGURATION_ERROR = { status: 500, errorType: 'AuthorizerConfigurationException', body: '{"message":null}' };

describe('answers API Gateway refuses fail the handshake with 500 AuthorizerConfigurationException, and the log says why', () => {
  it.each([
    ['simple', '{isAuthorized} is the HTTP API simple response'],
    ['nested', 'context.user is object'],
    ['list', 'context.roles is an array'],
    ['null-value', 'context.userId is null'],
    ['no-principal', 'principalId must be a string'],
  ])('%s', async (token, why) => {
    const before = connects.length;
    expect(await handshake(token)).toEqual(CONFIGURATION_ERROR);
    expect(lines.join('\n')).toContain(why);
    expect(connects.length).toBe(before);
  });

  it('an authorizer that throws (anything but "Unauthorized") or times out is the same 500', async () => {
    expect(await handshake('throws')).toEqual(CONFIGURATION_ERROR);
    expect(await handshake('slow')).toEqual(CONFIGURATION_ERROR);
    expect(lines.join('\n')).toContain('Task timed out after 0.05 seconds');
  });
});

describe('the policy must cover the method ARN', () => {
  it('refuses with 403 when no statement allows execute-api:Invoke on this $connect (another route, another action)', async () => {
    expect((await handshake('other-route')).status).toBe(403);
    expect((await handshake('other-action')).status).toBe(403);
  });

  it('refuses with 403 when a Deny covers it, even beside an Allow', async () => {
    expect((await handshake('deny-wins')).status).toBe(403);
  });

  it('accepts a wildcard Resource that covers it', async () => {
    expect((await handshake('wildcard')).status).toBe(101);
  });
});

it('"Unauthorized" thrown is 401, as API Gateway answers it', async () => {
  expect(await handshake('Unauthorized')).toMatchObject({ status: 401 });
});

it('a good answer connects, and the routes get its context as strings with the principal and the authorizer latency', async () => {
  expect((await handshake('ok')).status).toBe(101);
  const authorizer = connects[connects.length - 1].requestContext.authorizer;
  expect(authorizer).toEqual({ userId: 'u-1', count: '3', admin: 'true', principalId: 'u-1', integrationLatency: expect.any(Number) });
});
