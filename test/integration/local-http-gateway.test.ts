/**
 * The local HTTP side: the HTTP API gateway (its JWT authorizer, payload 2.0 events, route precedence, 404s, CORS,
 * body cap, result mapping, refusal of route tables API Gateway would refuse), the dev issuer, /config.json and the
 * static site. HTTP functions are recording fixtures here; the
 * real handlers are exercised by the product's own integration tests.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { APIGatewayProxyEventV2WithJWTAuthorizer } from 'aws-lambda';
import { JwtVerifier } from 'aws-jwt-verify';
import type { Jwks } from 'aws-jwt-verify/jwk';
import { RouteTableError } from '../../lib/route-rules';
import { HTTP_ROUTES } from '../../lib/wiring';
import { startStack } from '../../local/stack';
import { startTestStack, type TestStack } from '../support/stack';

const seen: APIGatewayProxyEventV2WithJWTAuthorizer[] = [];
let nextResult: unknown = undefined;
const record = (name: string) => async (event: APIGatewayProxyEventV2WithJWTAuthorizer) => {
  seen.push(event);
  if (nextResult instanceof Error) throw nextResult;
  return nextResult ?? { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ fn: name }) };
};

let stack: TestStack;
let token = '';
const webDist = fs.mkdtempSync(path.join(os.tmpdir(), 'parley-web-'));

beforeAll(async () => {
  fs.writeFileSync(path.join(webDist, 'index.html'), '<!doctype html><title>Parley test</title>');
  fs.mkdirSync(path.join(webDist, 'assets'));
  fs.writeFileSync(path.join(webDist, 'assets', 'app-123.js'), 'console.log(1)');
  stack = await startTestStack({
    log: 'silent',
    webDist,
    functions: {
      httpHistory: record('history'),
      httpConversations: record('conversations'),
      httpUnreadCount: record('unread'),
      httpSystemList: record('system'),
      httpSystemMarkRead: record('systemMarkRead'),
      httpMarkConversationRead: record('markConversationRead'),
      httpDeleteMessage: record('delete'),
      httpFriends: record('friends'),
    },
  });
  token = await stack.token('alice', 'Alice');
});
afterAll(async () => {
  await stack?.stop();
  fs.rmSync(webDist, { recursive: true, force: true });
});
beforeEach(() => {
  nextResult = undefined;
});

/** A request with alice's bearer token (unless `init.headers` says otherwise). */
const call = (method: string, p: string, init: RequestInit = {}) =>
  fetch(`${stack.url}${p}`, { method, ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) } });
const fnOf = async (res: Response) => ((await res.json()) as { fn?: string }).fn;

describe('the HTTP API JWT authorizer', () => {
  it.each([
    ['no Authorization header', {}],
    ['a malformed token', { authorization: 'Bearer not.a.jwt' }],
    ['another scheme', { authorization: 'Basic YWxpY2U6cHc=' }],
  ])('answers 401 {"message":"Unauthorized"} for %s, before any function runs (and with CORS headers)', async (_name, headers) => {
    seen.length = 0;
    const res = await fetch(`${stack.url}/api/friends`, { headers: { ...headers, origin: stack.url } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: 'Unauthorized' });
    expect(res.headers.get('access-control-allow-origin')).toBe(stack.url);
    expect(seen).toHaveLength(0);
  });

  it('hands the verified claims to the function in requestContext.authorizer.jwt, every value a string', async () => {
    seen.length = 0;
    expect((await call('GET', '/api/friends')).status).toBe(200);
    const { authorizer } = seen[0].requestContext;
    expect(authorizer.jwt).toEqual({ claims: expect.objectContaining({ sub: 'alice', name: 'Alice', iss: `${stack.url}/dev`, aud: 'parley-local' }), scopes: null });
    expect(Object.values(authorizer.jwt.claims).every((v) => typeof v === 'string')).toBe(true);
  });

  it('takes the token without "Bearer " too, as API Gateway does', async () => {
    expect((await call('GET', '/api/friends', { headers: { authorization: token } })).status).toBe(200);
  });
});

describe('a route table API Gateway would refuse', () => {
  it('stops the stack before anything starts, naming the conflicting routes', async () => {
    const bad = [...HTTP_ROUTES, { method: 'DELETE' as const, path: '/api/messages/{messageId}', function: 'httpDeleteMessage' as const }];
    const started = startStack({ port: 0, inMemory: true, seed: false, buildWeb: false, log: 'silent', httpRoutes: bad });
    await expect(started).rejects.toThrow(RouteTableError);
    await expect(started).rejects.toThrow(/DELETE \/api\/messages\/\{messageId\}.*conflicting variables/);
  });
});

describe('HTTP API routes', () => {
  it.each([
    ['GET', '/api/messages/conversations/list', 'conversations'],
    ['GET', '/api/messages/unread/count', 'unread'],
    ['GET', '/api/messages/system/list', 'system'],
    ['POST', '/api/messages/system/mark-read', 'systemMarkRead'],
    ['GET', '/api/messages/bob', 'history'],
    ['POST', '/api/messages/bob/read', 'markConversationRead'],
    ['DELETE', '/api/messages/01JABC', 'delete'],
    ['GET', '/api/friends', 'friends'],
  ])('%s %s reaches %s (static segments beat {params})', async (method, p, fn) => {
    const res = await call(method, p);
    expect(res.status).toBe(200);
    expect(await fnOf(res)).toBe(fn);
  });

  it('answers 404 NOT_FOUND for an unknown path and for a known path with another method', async () => {
    for (const [method, p] of [
      ['GET', '/api/nothing'],
      ['PUT', '/api/friends'],
      ['DELETE', '/api/friends'],
      ['POST', '/api/messages/conversations/list'],
      ['GET', '/api/messages/a/b/c'],
    ]) {
      const res = await call(method, p);
      expect({ method, p, status: res.status }).toEqual({ method, p, status: 404 });
      expect(await res.json()).toMatchObject({ error: { code: 'NOT_FOUND' } });
    }
  });

  it('builds a payload 2.0 event: route key, raw path, query, decoded path parameters, lower-case headers, cookies, body', async () => {
    seen.length = 0;
    await call('GET', '/api/messages/b%C3%B6b%20x?limit=5&before=01J&tag=a&tag=b', {
      headers: { 'X-Custom': 'Yes', cookie: 'a=1; b=2' },
    });
    const [event] = seen;
    expect(event).toMatchObject({
      version: '2.0',
      routeKey: 'GET /api/messages/{id}',
      rawPath: '/api/messages/b%C3%B6b%20x',
      rawQueryString: 'limit=5&before=01J&tag=a&tag=b',
      queryStringParameters: { limit: '5', before: '01J', tag: 'a,b' },
      pathParameters: { id: 'böb x' },
      cookies: ['a=1', 'b=2'],
      isBase64Encoded: false,
      requestContext: {
        accountId: '000000000000',
        apiId: 'local',
        domainName: `127.0.0.1:${stack.port}`,
        routeKey: 'GET /api/messages/{id}',
        stage: '$default',
        http: { method: 'GET', path: '/api/messages/b%C3%B6b%20x', protocol: 'HTTP/1.1', sourceIp: '127.0.0.1' },
      },
    });
    expect(event.headers).toMatchObject({ authorization: `Bearer ${token}`, 'x-custom': 'Yes' });
    expect(event.headers.cookie).toBeUndefined();
    expect(event.body).toBeUndefined();
    expect(typeof event.requestContext.timeEpoch).toBe('number');

    seen.length = 0;
    await call('POST', '/api/messages/system/mark-read', { headers: { 'content-type': 'application/json' }, body: '{"all":true}' });
    expect(seen[0]).toMatchObject({ body: '{"all":true}', isBase64Encoded: false });
    expect(seen[0].queryStringParameters).toBeUndefined();
    expect(seen[0].pathParameters).toBeUndefined();

    seen.length = 0;
    await call('POST', '/api/messages/system/mark-read', { headers: { 'content-type': 'application/octet-stream' }, body: new Uint8Array([0, 255]) });
    expect(seen[0]).toMatchObject({ body: Buffer.from([0, 255]).toString('base64'), isBase64Encoded: true });
  });

  it('maps results like API Gateway: plain object and string -> 200 JSON, structured with base64, throw -> 500', async () => {
    nextResult = { items: [1] };
    let res = await call('GET', '/api/friends');
    expect([res.status, res.headers.get('content-type'), await res.json()]).toEqual([200, 'application/json', { items: [1] }]);

    nextResult = '{"s":1}';
    res = await call('GET', '/api/friends');
    expect([res.status, await res.text()]).toEqual([200, '{"s":1}']);

    nextResult = { statusCode: 201, headers: { 'content-type': 'text/plain', 'x-extra': 7 }, body: Buffer.from('hé').toString('base64'), isBase64Encoded: true, cookies: ['c=1'] };
    res = await call('GET', '/api/friends');
    expect([res.status, res.headers.get('x-extra'), res.headers.get('set-cookie'), await res.text()]).toEqual([201, '7', 'c=1', 'hé']);

    nextResult = { statusCode: 204 };
    res = await call('DELETE', '/api/messages/x');
    expect([res.status, await res.text()]).toEqual([204, '']);

    nextResult = new Error('database exploded at line 12');
    res = await call('GET', '/api/friends');
    expect(res.status).toBe(500);
    expect(await res.text()).not.toMatch(/exploded/);
  });

  it('refuses a body over 1 MB with 413 TOO_LARGE without calling the function', async () => {
    seen.length = 0;
    const res = await call('POST', '/api/messages/system/mark-read', { headers: { 'content-type': 'application/json' }, body: 'x'.repeat(1024 * 1024 + 1) });
    expect(res.status).toBe(413);
    expect(await res.json()).toMatchObject({ error: { code: 'TOO_LARGE' } });
    expect(seen).toHaveLength(0);
  });

  it('answers CORS preflights for allowed origins only, and adds the allow-origin header to responses', async () => {
    const pre = await call('OPTIONS', '/api/friends', { headers: { Origin: `http://localhost:${stack.port}`, 'Access-Control-Request-Method': 'GET' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe(`http://localhost:${stack.port}`);
    expect(pre.headers.get('access-control-allow-headers')).toMatch(/authorization/);
    expect(pre.headers.get('access-control-allow-methods')).toMatch(/DELETE/);

    const evil = await call('OPTIONS', '/api/friends', { headers: { Origin: 'https://evil.example', 'Access-Control-Request-Method': 'GET' } });
    expect(evil.headers.get('access-control-allow-origin')).toBeNull();

    const res = await call('GET', '/api/friends', { headers: { Origin: stack.url } });
    expect(res.headers.get('access-control-allow-origin')).toBe(stack.url);
  });
});

describe('dev issuer', () => {
  it('signs RS256 tokens its JWKS verifies, with the contract claims', async () => {
    const res = await call('POST', '/dev/token', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: 'alice', name: 'Alice' }) });
    expect(res.status).toBe(200);
    const { token, expiresIn } = (await res.json()) as { token: string; expiresIn: number };
    expect(expiresIn).toBe(3600);
    const jwks = (await (await call('GET', '/dev/.well-known/jwks.json')).json()) as Jwks;
    const verifier = JwtVerifier.create({ issuer: `${stack.url}/dev`, audience: 'parley-local', jwksUri: `${stack.url}/dev/.well-known/jwks.json` });
    verifier.cacheJwks(jwks);
    const claims = await verifier.verify(token);
    expect(jwks.keys[0]).toMatchObject({ kty: 'RSA', alg: 'RS256', use: 'sig' });
    expect(typeof jwks.keys[0].kid).toBe('string');
    expect(claims).toMatchObject({ sub: 'alice', name: 'Alice', iss: `${stack.url}/dev`, aud: 'parley-local' });
    expect((claims.exp as number) - (claims.iat as number)).toBe(3600);
  });

  it.each([
    [{}, /userId/],
    [{ userId: '' }, /userId/],
    [{ userId: 'has space' }, /userId/],
    [{ userId: 'x'.repeat(65) }, /userId/],
    [{ userId: 'ok', name: 'n'.repeat(101) }, /name/],
    [{ userId: 'ok', name: 5 }, /name/],
    ['not json', /JSON/],
  ])('refuses %j with 400 BAD_REQUEST', async (body, message) => {
    const res = await call('POST', '/dev/token', { headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
    expect(res.status).toBe(400);
    const json = (await res.json()) as { error: { code: string; message: string } };
    expect(json.error.code).toBe('BAD_REQUEST');
    expect(json.error.message).toMatch(message);
  });

  it('accepts the longest valid userId and name', async () => {
    const res = await call('POST', '/dev/token', { body: JSON.stringify({ userId: 'A-z_9'.repeat(12) + 'abcd', name: 'n'.repeat(100) }) });
    expect(res.status).toBe(200);
  });

  it('lists the demo users', async () => {
    const { items } = (await (await call('GET', '/dev/users')).json()) as { items: { userId: string; friends: string[] }[] };
    expect(items.map((u) => u.userId)).toEqual(['alice', 'bob', 'carol', 'dave']);
    expect(items.find((u) => u.userId === 'alice')?.friends).not.toContain('dave');
  });
});

describe('web client and config', () => {
  it('serves /config.json for the host the browser used', async () => {
    const cfg = await (await call('GET', '/config.json')).json();
    expect(cfg).toEqual({
      wsUrl: `ws://127.0.0.1:${stack.port}/ws`,
      apiUrl: `http://127.0.0.1:${stack.port}`,
      auth: { mode: 'dev', tokenUrl: `http://127.0.0.1:${stack.port}/dev/token` },
    });
    const viaLocalhost = await new Promise<{ wsUrl: string; apiUrl: string }>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port: stack.port, path: '/config.json', headers: { host: `localhost:${stack.port}` } }, (res) => {
          let text = '';
          res.on('data', (c: Buffer) => (text += c.toString()));
          res.on('end', () => resolve(JSON.parse(text)));
        })
        .on('error', reject);
    });
    expect(viaLocalhost).toMatchObject({ wsUrl: `ws://localhost:${stack.port}/ws`, apiUrl: `http://localhost:${stack.port}` });
  });

  it('serves a page at / and falls back to it for client-side routes, but 404s a missing asset', async () => {
    const root = await call('GET', '/');
    expect(root.status).toBe(200);
    expect(root.headers.get('content-type')).toMatch(/text\/html/);
    const route = await call('GET', '/chat/bob');
    expect(route.status).toBe(200);
    expect(await route.text()).toBe(await (await call('GET', '/')).text());
    expect((await call('GET', '/assets/missing.js')).status).toBe(404);
    const asset = await call('GET', '/assets/app-123.js');
    expect([asset.status, asset.headers.get('content-type'), asset.headers.get('cache-control')]).toEqual([200, 'text/javascript; charset=utf-8', 'public, max-age=31536000, immutable']);
    for (const sneaky of ['/../../../../etc/passwd', '/%2e%2e/%2e%2e/%2e%2e/etc/passwd', '/..%2F..%2F..%2Fetc%2Fpasswd']) {
      expect(await (await call('GET', sneaky)).text()).not.toMatch(/root:/);
    }
  });

  it('answers 426 to a plain GET on the WebSocket path', async () => {
    expect((await call('GET', '/ws')).status).toBe(426);
  });
});
