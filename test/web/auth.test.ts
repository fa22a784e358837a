/**
 * Sign-in: the dev issuer locally, OIDC authorization code + PKCE on AWS. Tokens are kept per tab (sessionStorage)
 * so a reload keeps you signed in and two tabs can be two people; they are renewed before they expire.
 */
import './browser-globals';
import { webcrypto } from 'node:crypto';
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
const OIDC: WebConfig['auth'] = {
  mode: 'oidc',
  authorizeUrl: 'https://login.example.com/oauth2/authorize',
  tokenUrl: 'https://login.example.com/oauth2/token',
  logoutUrl: 'https://login.example.com/logout',
  clientId: 'client-1',
  scopes: ['openid', 'profile'],
  redirectUri: 'https://app.example.com/',
};

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
    auth.signOut();
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

describe('OIDC with PKCE (Cognito hosted UI or any provider)', () => {
  const here = (search: string) => ({ search, pathname: '/', hash: '#/' }) as Location;

  test('goes to the authorize URL with an S256 challenge of a secret verifier, then trades the code for tokens', async () => {
    const gone: string[] = [];
    const idToken = jwt({ sub: 'u-123', 'cognito:username': 'ann', exp: Math.floor(Date.now() / 1000) + 3600 });
    const { f, calls } = fakeFetch(() => ({ body: { id_token: idToken, refresh_token: 'r1', expires_in: 3600 } }));
    const auth = new Auth(OIDC, sessionStorage, f, (u) => gone.push(u));
    await auth.startOidcSignIn();

    const url = new URL(gone[0]!);
    expect(url.origin + url.pathname).toBe(OIDC.authorizeUrl);
    const q = Object.fromEntries(url.searchParams);
    expect(q).toMatchObject({ response_type: 'code', client_id: 'client-1', redirect_uri: 'https://app.example.com/', scope: 'openid profile', code_challenge_method: 'S256' });
    const saved = JSON.parse(sessionStorage.getItem('parley.pkce')!) as { verifier: string; state: string };
    expect(q.state).toBe(saved.state);
    const expected = Buffer.from(await webcrypto.subtle.digest('SHA-256', new TextEncoder().encode(saved.verifier))).toString('base64url');
    expect(q.code_challenge).toBe(expected);
    expect(gone[0]).not.toContain(saved.verifier);

    // The provider sends the browser back with ?code=&state=.
    const back = new Auth(OIDC, sessionStorage, f, (u) => gone.push(u));
    expect(await back.restore(here(`?code=abc&state=${saved.state}`))).toEqual({ userId: 'u-123', name: 'ann' });
    const form = Object.fromEntries(new URLSearchParams(String(calls[0]!.init!.body)));
    expect(calls[0]!.url).toBe(OIDC.tokenUrl);
    expect(form).toEqual({ grant_type: 'authorization_code', client_id: 'client-1', code: 'abc', redirect_uri: 'https://app.example.com/', code_verifier: saved.verifier });
    expect(await back.token()).toBe(idToken);
    expect(sessionStorage.getItem('parley.pkce')).toBeNull();
  });

  test('an answer whose state does not match this tab is refused', async () => {
    const { f, calls } = fakeFetch(() => ({ body: {} }));
    const auth = new Auth(OIDC, sessionStorage, f, () => undefined);
    await auth.startOidcSignIn();
    await expect(new Auth(OIDC, sessionStorage, f).restore(here('?code=abc&state=forged'))).rejects.toThrow(/does not match/);
    expect(calls).toHaveLength(0);
  });

  test("the provider's error comes back as the sign-in error", async () => {
    const { f } = fakeFetch(() => ({ body: {} }));
    await expect(new Auth(OIDC, sessionStorage, f).restore(here('?error=access_denied&error_description=User+cancelled'))).rejects.toThrow('User cancelled');
  });

  test('renews with the refresh token shortly before the id token expires', async () => {
    jest.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') });
    const exp = (s: number) => Math.floor(Date.now() / 1000) + s;
    let answer: { id_token?: string; refresh_token?: string } = { id_token: jwt({ sub: 'u', exp: exp(30) }), refresh_token: 'r1' };
    const { f, calls } = fakeFetch(() => ({ body: answer }));
    const auth = new Auth(OIDC, sessionStorage, f, () => undefined);
    await auth.startOidcSignIn();
    const { state } = JSON.parse(sessionStorage.getItem('parley.pkce')!) as { state: string };
    await auth.restore(here(`?code=c&state=${state}`));
    answer = { id_token: jwt({ sub: 'u', exp: exp(3600), fresh: true }) };
    const t = await auth.token(); // 30 s left: renewed
    expect(identityOf(t).userId).toBe('u');
    expect(Object.fromEntries(new URLSearchParams(String(calls[1]!.init!.body)))).toEqual({ grant_type: 'refresh_token', client_id: 'client-1', refresh_token: 'r1' });
  });

  test('sign-out also ends the session at the provider', async () => {
    const gone: string[] = [];
    const auth = new Auth(OIDC, sessionStorage, fakeFetch(() => ({ body: {} })).f, (u) => gone.push(u));
    auth.signOut();
    const url = new URL(gone[0]!);
    expect(url.origin + url.pathname).toBe(OIDC.logoutUrl);
    expect(url.searchParams.get('client_id')).toBe('client-1');
    expect(url.searchParams.get('logout_uri')).toBe(OIDC.redirectUri);
  });
});
