/**
 * Sign-in with the local dev issuer (OIDC: oidc.test.ts). Tokens are kept per tab (sessionStorage) so a reload
 * keeps you signed in and two tabs can be two people; they are renewed before they expire.
 */
import './browser-globals';
import { Auth, AuthError, identityOf } from '../../web/src/api/auth';
import type { WebConfig } from '../../web/src/types';


const b64url = (s: string) => Buffer.from(s).toString('base64url');
/** An unsigned JWT with these claims (the client never verifies; the server does). */
function jwt(claims: Record<string, unknown>): string {
  return `${b64url(JSON.stringify({ alg: 'RS256' }))}.${b64url(JSON.stringify(claims))}.sig`;
}

type Call = { url: string; init?: RequestInit };
function fakeFetch(answer: (call: Call) => { status?: number; body: unknown }) {
  const calls: Call[] = [];
  const f = (async (url: string, init?: RequestInit) => {
    const call = { url: String(url), init };
    calls.push(call);
    const { status = 200, body } = answer(call);
    return { ok: status < 400, status, json: async () => body };
  }) as unknown as typeof fetch;
  return { f, calls };
}

const DEV: WebConfig['auth'] = { mode: 'dev', tokenUrl: 'http://127.0.0.1:3000/dev/token' };

beforeEach(() => sessionStorage.clear());
afterEach(() => jest.useRealTimers());

test('display name follows the contract: name, preferred_username, cognito:username, sub', () => {
  expect(identityOf(jwt({ sub: 'u1', name: 'Ann', preferred_username: 'ann1' }))).toEqual({ userId: 'u1', name: 'Ann' });
  expect(identityOf(jwt({ sub: 'u1', preferred_username: 'ann1', 'cognito:username': 'c' }))).toEqual({ userId: 'u1', name: 'ann1' });
  expect(identityOf(jwt({ sub: 'u1', 'cognito:username': 'cog' }))).toEqual({ userId: 'u1', name: 'cog' });
  expect(identityOf(jwt({ sub: 'u1', name: '  ' }))).toEqual({ userId: 'u1', name: 'u1' });
  expect(identityOf(jwt({ sub: 'zoë', name: 'Zoë 🎨' })).name).toBe('Zoë 🎨'); // UTF-8 in the payload
  expect(() => identityOf('garbage')).toThrow(AuthError);
});

describe('dev issuer (local)', () => {
  test('signs in with the id and name, and a reload (new Auth, same tab storage) is still signed in', async () => {
    const { f, calls } = fakeFetch(() => ({ body: { token: jwt({ sub: 'alice', name: 'Alice' }), expiresIn: 3600 } }));
    const auth = new Auth(DEV, sessionStorage, f);
    expect(await auth.devSignIn('alice', 'Alice')).toEqual({ userId: 'alice', name: 'Alice' });
    expect(calls[0]!.url).toBe(DEV.tokenUrl);
    expect(JSON.parse(String(calls[0]!.init!.body))).toEqual({ userId: 'alice', name: 'Alice' });

    const afterReload = new Auth(DEV, sessionStorage, f);
    expect(await afterReload.restore()).toEqual({ userId: 'alice', name: 'Alice' });
    expect(await afterReload.token()).toBe(await auth.token());
    expect(calls).toHaveLength(1); // restoring asked nobody
  });

  test("the issuer's refusal is shown as its message", async () => {
    const { f } = fakeFetch(() => ({ status: 400, body: { error: { code: 'BAD_REQUEST', message: 'userId must be 1-64 characters' } } }));
    await expect(new Auth(DEV, sessionStorage, f).devSignIn('bad id!')).rejects.toThrow('userId must be 1-64 characters');
    expect(sessionStorage.length).toBe(0);
  });

  test('a token about to expire is renewed before use, once for concurrent callers', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') });
    let n = 0;
    const { f, calls } = fakeFetch(() => ({ body: { token: jwt({ sub: 'alice', n: ++n }), expiresIn: 3600 } }));
    const auth = new Auth(DEV, sessionStorage, f);
    await auth.devSignIn('alice');
    const first = await auth.token();
    jest.setSystemTime(new Date('2026-11-24T10:59:30Z')); // 30 s left
    const [a, b] = await Promise.all([auth.token(), auth.token()]);
    expect(a).toBe(b);
    expect(a).not.toBe(first);
    expect(calls).toHaveLength(2);
  });

  test('sign-out forgets the tab session', async () => {
    const { f } = fakeFetch(() => ({ body: { token: jwt({ sub: 'alice' }), expiresIn: 3600 } }));
    const auth = new Auth(DEV, sessionStorage, f);
    await auth.devSignIn('alice');
    await auth.signOut();
    expect(await new Auth(DEV, sessionStorage, f).restore()).toBeNull();
    await expect(auth.token()).rejects.toThrow(AuthError);
  });

  test('lists the demo users from the issuer, or none when it has no list', async () => {
    const { f, calls } = fakeFetch(() => ({ body: { items: [{ userId: 'alice', name: 'Alice' }, { userId: 'bob' }] } }));
    expect(await new Auth(DEV, sessionStorage, f).devUsers()).toEqual([
      { userId: 'alice', name: 'Alice' },
      { userId: 'bob', name: 'bob' },
    ]);
    expect(calls[0]!.url).toBe('http://127.0.0.1:3000/dev/users');
    const down = (async () => {
      throw new Error('offline');
    }) as unknown as typeof fetch;
    expect(await new Auth(DEV, sessionStorage, down).devUsers()).toEqual([]);
  });
});
