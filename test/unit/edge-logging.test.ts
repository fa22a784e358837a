/**
 * Every edge wrapper starts an invocation the same way (lambdas/shared/logger.ts `startInvocation`): the Lambda
 * context goes on each log line, and keys appended during one invocation do not leak into the next — a warm
 * container serves many users, and a log line naming the wrong request (or the last caller's keys) misleads.
 */
import type { APIGatewayAuthorizerResult, Context } from 'aws-lambda';
import type { TokenVerifier } from '../../lambdas/edge/ws-authorizer';
import { wsAuthorizer } from '../../lambdas/edge/ws-authorizer';
import { httpHandler, ok } from '../../lambdas/edge/http';
import { frameHandler } from '../../lambdas/edge/ws';
import { logger } from '../../lambdas/shared/logger';
import { restEvent, wsFrame } from '../fixtures/events';

const context = (requestId: string): Context => ({
  awsRequestId: requestId,
  functionName: 'parley-test',
  functionVersion: '$LATEST',
  invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:parley-test',
  memoryLimitInMB: '256',
  callbackWaitsForEmptyEventLoop: true,
  logGroupName: '/aws/lambda/parley-test',
  logStreamName: '2026/11/30/[$LATEST]0',
  getRemainingTimeInMillis: () => 1000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** The JSON log lines written while `run` runs. */
async function logsOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture as never);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture as never);
  logger.setLogLevel('DEBUG');
  try {
    await run();
  } finally {
    logger.setLogLevel('SILENT');
    out.mockRestore();
    err.mockRestore();
  }
  return chunks
    .join('')
    .split('\n')
    .filter((l) => l.trim().startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('each invocation logs its own Lambda context, and nothing of the one before', () => {
  it('REST (httpHandler), also on the failure path', async () => {
    let calls = 0;
    const handler = httpHandler(async ({ user }) => {
      calls += 1;
      if (calls === 1) logger.appendKeys({ firstOnly: 'from-invocation-1' });
      logger.info('handled', { caller: user.userId });
      if (calls === 2) throw new Error('boom');
      return ok({});
    });
    const lines = await logsOf(async () => {
      await handler(restEvent('alice', 'GET /api/friends'), context('req-1'));
      await handler(restEvent('bob', 'GET /api/friends'), context('req-2'));
    });
    const [first, second, failed] = lines;
    expect(lines).toHaveLength(3);
    expect(first).toMatchObject({ message: 'handled', caller: 'alice', function_request_id: 'req-1', function_name: 'parley-test', firstOnly: 'from-invocation-1' });
    expect(second).toMatchObject({ message: 'handled', caller: 'bob', function_request_id: 'req-2' });
    expect(second).not.toHaveProperty('firstOnly');
    expect(failed).toMatchObject({ message: 'request failed', function_request_id: 'req-2' });
    expect(failed).not.toHaveProperty('firstOnly');
  });

  it('WebSocket frames (frameHandler)', async () => {
    let calls = 0;
    const pusher = () => ({ post: async () => true, close: async () => undefined });
    const handler = frameHandler(async (caller) => {
      calls += 1;
      if (calls === 1) logger.appendKeys({ firstOnly: 'from-invocation-1' });
      logger.info('frame', { caller: caller.userId });
      return { type: 'pong' };
    }, pusher as never);
    const lines = await logsOf(async () => {
      await handler(wsFrame('alice', 'a1', { action: 'ping' }, 'ping'), context('req-a'));
      await handler(wsFrame('bob', 'b1', { action: 'ping' }, 'ping'), context('req-b'));
    });
    expect(lines.map((l) => l.function_request_id)).toEqual(['req-a', 'req-b']);
    expect(lines[0]).toMatchObject({ caller: 'alice', firstOnly: 'from-invocation-1' });
    expect(lines[1]).toMatchObject({ caller: 'bob' });
    expect(lines[1]).not.toHaveProperty('firstOnly');
  });

  it('the $connect authorizer, with the verifier it is given (and no token in its logs)', async () => {
    const verifier: TokenVerifier = {
      verify: async (token) => {
        if (token === 'good-token') return { userId: 'alice', name: 'Alice', exp: 2_000_000_000 };
        throw Object.assign(new Error('bad'), { name: 'JwtInvalidSignatureError' });
      },
    };
    const handler = wsAuthorizer(() => verifier, () => new Set(['https://app.example.com']));
    const event = (token: string) =>
      ({ type: 'REQUEST', methodArn: 'arn:aws:execute-api:us-east-1:0:api/prod/$connect', headers: {}, queryStringParameters: { token } }) as never;
    let allowed: APIGatewayAuthorizerResult | undefined;
    const lines = await logsOf(async () => {
      logger.appendKeys({ firstOnly: 'left-over' });
      allowed = await handler(event('good-token'), context('req-x'));
      await handler(event('SECRET-TOKEN-bad'), context('req-y'));
    });
    expect(allowed).toMatchObject({ principalId: 'alice', context: { userId: 'alice', name: 'Alice', exp: 2_000_000_000 } });
    expect(lines).toEqual([expect.objectContaining({ message: 'websocket token refused', function_request_id: 'req-y' })]);
    expect(lines[0]).not.toHaveProperty('firstOnly');
    expect(JSON.stringify(lines)).not.toContain('SECRET-TOKEN');
  });
});
