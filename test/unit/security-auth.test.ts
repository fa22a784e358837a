/**
 * Auth attacks against the real verifier (lambdas/adapters/jwt.ts), the $connect authorizer, the HTTP API's JWT
 * authorizer as the local gateway plays it (local/jwt-authorizer.ts) and the REST edge behind it, with a test issuer whose JWKS is served over http by a tiny local server that counts fetches. Having the issuer's
 * key here lets us mint tokens that are correctly signed but carry bad claims (expired, not yet valid, wrong
 * issuer / audience); the attacker's tokens use keys the JWKS does not contain.
 */
import { DynamoDBDocumentClient, GetCommand, QueryCommand, type QueryCommandInput } from '@aws-sdk/lib-dynamodb';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, APIGatewayRequestAuthorizerEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { createTokenVerifier } from '../../lambdas/adapters/jwt';
import { createJwtAuthorizer, type JwtAuthorizer } from '../../local/jwt-authorizer';
import { handler as unreadCount } from '../../lambdas/http/unread-count';
import { handler as authorizer } from '../../lambdas/ws/authorizer';
import {
  claims,
  ecKey,
  hs256WithPublicKey,
  rsaKey,
  signJwt,
  startJwksServer,
  swapPayload,
  unsignedJwt,
  type JwksServer,
  type SigningKey,
} from '../support/attack-tokens';

const ISS = 'https://idp.security-test.example';
const AUD = 'parley-security-test';
const APP_ORIGIN = 'https://app.example';

let jwks: JwksServer;
let gateway: JwtAuthorizer;
// Made at load time: the it.each tables below are built before beforeAll runs.
const idp: SigningKey = rsaKey('idp-rsa-1'); // the issuer's RS256 key (published)
const idpEc: SigningKey = ecKey('idp-ec-1'); // the issuer's ES256 key (published)
const attacker: SigningKey = rsaKey('attacker-1'); // not published
const ddb = mockClient(DynamoDBDocumentClient);

beforeAll(async () => {
  jwks = await startJwksServer(() => [idp.jwk, idpEc.jwk]);
  // The handlers read these lazily, once (first verification), so setting them here is in time.
  process.env.JWT_ISSUER = ISS;
  process.env.JWT_AUDIENCE = AUD;
  process.env.JWKS_URI = jwks.url;
  process.env.ALLOWED_ORIGINS = `${APP_ORIGIN},https://other.example/`;
  gateway = createJwtAuthorizer({ issuer: ISS, audience: [AUD], jwksUri: jwks.url });
});
afterAll(async () => {
  await jwks.stop();
});
beforeEach(() => {
  ddb.reset();
  // System unread: the COUNTS item. Chat unread: my `U#` entries in the two side indexes of the pair items (one
  // conversation where I am the lo side with 2 unread; none on the hi side).
  ddb.on(GetCommand).resolves({ Item: { pk: 'x', sk: 'COUNTS', system: 1 } });
  ddb.on(QueryCommand).callsFake((input: QueryCommandInput) => ({ Items: input.IndexName === 'sideLo' ? [{ unreadLo: 2 }] : [] }));
});

/** The user every read of the unread-count route asked about: the COUNTS GetItem and both side-index Queries. */
function readsOf(): { counts: unknown[]; sides: Array<[string | undefined, unknown]> } {
  return {
    counts: ddb.commandCalls(GetCommand).map((c) => c.args[0].input.Key),
    sides: ddb
      .commandCalls(QueryCommand)
      .map((c): [string | undefined, unknown] => [c.args[0].input.IndexName, c.args[0].input.ExpressionAttributeValues?.[':me']])
      .sort(([a], [b]) => String(a).localeCompare(String(b))),
  };
}
const readsFor = (user: string) => ({
  counts: [{ pk: `USER#${user}`, sk: 'COUNTS' }],
  sides: [
    ['sideHi', `USER#${user}`],
    ['sideLo', `USER#${user}`],
  ],
});
const nothingRead = () => {
  expect(ddb.commandCalls(GetCommand)).toHaveLength(0);
  expect(ddb.commandCalls(QueryCommand)).toHaveLength(0);
};

const good = (sub = 'alice', more = {}) => signJwt(idp, claims(ISS, AUD, sub, { name: 'Alice', ...more }));

function authEvent(token: string | undefined, headers: Record<string, string> = {}): APIGatewayRequestAuthorizerEvent {
  return {
    type: 'REQUEST',
    methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/prod/$connect',
    headers,
    queryStringParameters: token === undefined ? {} : { token },
  } as unknown as APIGatewayRequestAuthorizerEvent;
}

async function connectVerdict(token: string | undefined, headers: Record<string, string> = {}): Promise<'Allow' | 'Deny' | 'Unauthorized'> {
  try {
    const result = await authorizer(authEvent(token, headers));
    const effects = result.policyDocument.Statement.map((s) => s.Effect);
    return effects.includes('Deny') || !effects.includes('Allow') ? 'Deny' : 'Allow';
  } catch (err) {
    if ((err as Error).message === 'Unauthorized') return 'Unauthorized';
    throw err;
  }
}

/** A REST event as the HTTP API hands it over: the JWT authorizer's claims, or (a route without it) none. */
function httpEvent(claims?: Record<string, string>): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /api/messages/unread/count',
    rawPath: '/api/messages/unread/count',
    rawQueryString: '',
    headers: {},
    requestContext: {
      http: { method: 'GET', path: '/api/messages/unread/count' },
      ...(claims ? { authorizer: { jwt: { claims, scopes: null } } } : {}),
    },
    isBase64Encoded: false,
  } as unknown as APIGatewayProxyEventV2;
}

/** A REST call through the gateway's JWT authorizer: 401 {"message":"Unauthorized"} there, else the handler's answer. */
async function rest(authorization?: string): Promise<{ status: number; body: { error?: { code: string; message: string }; message?: string } & Record<string, unknown> }> {
  const verdict = await gateway.authorize(authorization === undefined ? {} : { authorization });
  if (!verdict.ok) return { status: 401, body: { message: 'Unauthorized' } };
  const res = (await unreadCount(httpEvent(verdict.authorizer.jwt.claims))) as APIGatewayProxyStructuredResultV2;
  return { status: res.statusCode ?? 0, body: JSON.parse(String(res.body)) };
}

/** Tokens an attacker can make, or a legitimate token gone bad. */
function badTokens(): Array<[string, string]> {
  const now = Math.floor(Date.now() / 1000);
  return [
    ['a malformed token (not a JWT)', 'not-a-jwt'],
    ['a malformed token (three junk parts)', 'abc.def.ghi'],
    ['a malformed token (header only)', `${Buffer.from('{"alg":"RS256"}').toString('base64url')}..`],
    ['an expired token', good('alice', { iat: now - 7200, exp: now - 60 })],
    ['a token not yet valid (nbf in the future)', good('alice', { nbf: now + 600 })],
    ['a token from another issuer', signJwt(idp, claims('https://evil.example', AUD, 'alice'))],
    ['a token for another audience', signJwt(idp, claims(ISS, 'some-other-app', 'alice'))],
    ['alg none', unsignedJwt(claims(ISS, AUD, 'alice'), idp.kid)],
    ['alg none without kid', unsignedJwt(claims(ISS, AUD, 'alice'))],
    ['HS256 signed with the issuer public key', hs256WithPublicKey(idp.publicKey, idp.kid, claims(ISS, AUD, 'alice'))],
    ['an unknown kid', signJwt(attacker, claims(ISS, AUD, 'alice'))],
    ['no kid', signJwt(attacker, claims(ISS, AUD, 'alice'), { kid: undefined })],
    ["the issuer's kid, signed with another key", signJwt(attacker, claims(ISS, AUD, 'alice'), { kid: idp.kid })],
    ['a real token with its sub swapped', swapPayload(good('mallory'), (c) => ({ ...c, sub: 'alice' }))],
    ['a real token with its exp extended', swapPayload(good('alice', { exp: now - 60, iat: now - 7200 }), (c) => ({ ...c, exp: now + 3600 }))],
    ['a sub with a key delimiter', good('alice#bob')],
    ['no sub', signJwt(idp, { ...claims(ISS, AUD, 'x'), sub: undefined })],
  ];
}

describe('WebSocket $connect authorizer', () => {
  it('answers 401 (Unauthorized) without a token', async () => {
    expect(await connectVerdict(undefined)).toBe('Unauthorized');
    expect(await connectVerdict('')).toBe('Unauthorized');
  });

  it('allows a valid RS256 or ES256 token and puts only the token’s user (and its expiry) in the context', async () => {
    const token = good('alice');
    const result = await authorizer(authEvent(token));
    expect(result.principalId).toBe('alice');
    const exp = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()).exp;
    expect(result.context).toEqual({ userId: 'alice', name: 'Alice', exp });
    expect(await connectVerdict(signJwt(idpEc, claims(ISS, AUD, 'bob')))).toBe('Allow');
  });

  it.each(badTokens())('denies %s (403)', async (_name, token) => {
    expect(await connectVerdict(token)).toBe('Deny');
  });

  it('denies a browser Origin outside the allowlist even with a valid token; no Origin is judged by the token', async () => {
    expect(await connectVerdict(good(), { Origin: 'https://evil.example' })).toBe('Deny');
    expect(await connectVerdict(good(), { origin: 'null' })).toBe('Deny');
    expect(await connectVerdict(good(), { origin: 'https://app.example.evil.example' })).toBe('Deny');
    expect(await connectVerdict(good(), { origin: 'http://app.example' })).toBe('Deny');
    expect(await connectVerdict(good(), { Origin: APP_ORIGIN })).toBe('Allow');
    expect(await connectVerdict(good(), { origin: 'https://other.example' })).toBe('Allow');
    expect(await connectVerdict(good())).toBe('Allow');
    expect(await connectVerdict('forged', { origin: APP_ORIGIN })).toBe('Deny');
  });
});

describe('REST: the HTTP API JWT authorizer, then the handler', () => {
  it('answers 200 for a valid token and reads only the token user’s counters', async () => {
    const res = await rest(`Bearer ${good('carol')}`);
    expect(res).toEqual({ status: 200, body: { chat: 2, system: 1, total: 3 } });
    expect(readsOf()).toEqual(readsFor('carol'));
  });

  it('takes the token with or without "Bearer ", as API Gateway does', async () => {
    expect((await rest(good('dave'))).status).toBe(200);
    expect(readsOf()).toEqual(readsFor('dave'));
  });

  it('hands every claim over as a string, as API Gateway does (numbers, booleans, arrays)', async () => {
    const verdict = await gateway.authorize({ authorization: `Bearer ${good('alice', { email_verified: true, groups: ['a', 'b'] })}` });
    expect(verdict.ok).toBe(true);
    const claimsSeen = verdict.ok ? verdict.authorizer.jwt.claims : {};
    expect(claimsSeen).toMatchObject({ sub: 'alice', iss: ISS, aud: AUD, email_verified: 'true', groups: '[a b]' });
    expect(Object.values(claimsSeen).every((v) => typeof v === 'string')).toBe(true);
    expect(claimsSeen.exp).toMatch(/^\d+$/);
  });

  it('accepts client_id in place of a missing aud (access tokens), never beside a wrong aud', async () => {
    const { aud: _aud, ...noAud } = claims(ISS, AUD, 'alice');
    expect((await rest(`Bearer ${signJwt(idp, { ...noAud, client_id: AUD })}`)).status).toBe(200);
    expect((await rest(`Bearer ${signJwt(idp, { ...noAud, client_id: 'other-client' })}`)).status).toBe(401);
    expect((await rest(`Bearer ${signJwt(idp, { ...claims(ISS, 'other-app', 'alice'), client_id: AUD })}`)).status).toBe(401);
  });

  it('refuses an ES256 token the WebSocket authorizer would take: API Gateway supports only RSA-based algorithms', async () => {
    const es256 = signJwt(idpEc, claims(ISS, AUD, 'bob'));
    expect(await connectVerdict(es256)).toBe('Allow');
    expect(await rest(`Bearer ${es256}`)).toEqual({ status: 401, body: { message: 'Unauthorized' } });
  });

  it.each([
    ['no Authorization header', undefined],
    ['an empty header', ''],
    ['"Bearer" with no token', 'Bearer '],
    ['another scheme', `Basic ${Buffer.from('alice:pw').toString('base64')}`],
    ['two tokens', `Bearer ${good()} ${good()}`],
  ])('answers 401 {"message":"Unauthorized"} for %s, without running the handler', async (_name, header) => {
    const res = await rest(header);
    expect(res).toEqual({ status: 401, body: { message: 'Unauthorized' } });
    nothingRead();
  });

  it.each(badTokens())('answers 401 for %s, and reads nothing', async (name, token) => {
    const res = await rest(`Bearer ${token}`);
    expect(res.status).toBe(401);
    // A valid signature over an unusable sub passes API Gateway (it does not look at sub); the handler refuses it.
    expect(res.body).toEqual(/^(a sub with|no sub)/.test(name) ? { error: { code: 'UNAUTHORIZED', message: expect.any(String) } } : { message: 'Unauthorized' });
    expect(JSON.stringify(res.body)).not.toMatch(/kid|jwks|signature|stack|Error:/i);
    nothingRead();
  });

  it('a handler reached without authorizer claims (a route left unprotected) refuses with 401 and reads nothing', async () => {
    const res = (await unreadCount(httpEvent())) as APIGatewayProxyStructuredResultV2;
    expect(res.statusCode).toBe(401);
    expect(JSON.parse(String(res.body)).error.code).toBe('UNAUTHORIZED');
    nothingRead();
  });
});

describe('JWKS fetching', () => {
  it('a flood of unknown kids causes at most one refetch, and valid tokens keep working meanwhile', async () => {
    expect(await connectVerdict(good())).toBe('Allow'); // warm: the JWKS is cached
    jwks.reset();
    const forged = Array.from({ length: 40 }, (_, i) => signJwt(attacker, claims(ISS, AUD, 'alice'), { kid: `unknown-${i}` }));
    // In parallel (one in-flight fetch is shared), then one by one (the penalty box holds further fetches back).
    const parallel = await Promise.all(forged.slice(0, 20).map((t) => connectVerdict(t)));
    const sequential: string[] = [];
    for (const t of forged.slice(20)) sequential.push(await connectVerdict(t));
    const viaRest = await Promise.all(forged.slice(0, 10).map((t) => rest(`Bearer ${t}`)));

    expect([...parallel, ...sequential].every((v) => v === 'Deny')).toBe(true);
    expect(viaRest.every((r) => r.status === 401)).toBe(true);
    expect(jwks.fetches).toBeLessThanOrEqual(1);
    expect(await connectVerdict(good('dave'))).toBe('Allow');
    expect(jwks.fetches).toBeLessThanOrEqual(1);
  });

  it('an issuer whose JWKS is unreachable means refusal (never a 500 or an Allow)', async () => {
    const down = await startJwksServer(() => [idp.jwk]);
    down.setDown(true);
    try {
      const verifier = createTokenVerifier({ issuer: ISS, audience: [AUD], jwksUri: down.url });
      await expect(verifier.verify(good())).rejects.toThrow();
      const unreachable = createTokenVerifier({ issuer: ISS, audience: [AUD], jwksUri: 'http://127.0.0.1:1/jwks.json' });
      await expect(unreachable.verify(good())).rejects.toThrow();
    } finally {
      await down.stop();
    }
  });
});
