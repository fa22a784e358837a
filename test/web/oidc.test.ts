/**
 * Sign-in with an OpenID Provider (web/src/api/auth.ts + oidc.ts on oidc-client-ts), against a fake provider that
 * refuses what a real one refuses (test/web/oidc-fakes.ts): discovery for each shape of issuer, configured
 * endpoints (no discovery), PKCE + state + nonce, refused answers, renewal with the refresh token (in the background,
 * on use and on a REST 401), and sign-out at the provider (RP-Initiated Logout, and Cognito's /logout).
 */
import './browser-globals';
import { Auth, AuthError, identityOf } from '../../web/src/api/auth';
import { RestClient } from '../../web/src/api/rest';
import type { WebConfig } from '../../web/src/types';
import { at, fakeProvider } from './oidc-fakes';

type OidcConfig = Extract<WebConfig['auth'], { mode: 'oidc' }>;
/** The app's own origin (jsdom's), so that the provider's answer can be put in the address bar as in a browser. */
const APP = 'http://localhost/';
const config = (issuer: string, more: Partial<OidcConfig> = {}): OidcConfig => ({ mode: 'oidc', issuer, clientId: 'parley-web', scopes: ['openid', 'profile'], redirectUri: APP, ...more });

const realFetch = globalThis.fetch;
let provider: ReturnType<typeof fakeProvider>;
function use(p: ReturnType<typeof fakeProvider>) {
  provider = p;
  globalThis.fetch = p.fetch;
  return p;
}

/**
 * The user clicks "Sign in", signs in on the provider's pages and is sent back: the answer is in the address bar and
 * a fresh Auth (a new page load) finishes from `window.location`, as the app does.
 */
async function signIn(cfg: OidcConfig) {
  const gone: string[] = [];
  await new Auth(cfg, sessionStorage, undefined, (u) => gone.push(u)).startOidcSignIn();
  const back = provider.authorize(gone[0]!);
  history.replaceState(null, '', back.slice(new URL(back).origin.length));
  const auth = new Auth(cfg, sessionStorage, undefined, (u) => gone.push(u));
  const me = await auth.restore();
  return { auth, me, gone, back };
}

const tokenCalls = () => provider.calls.filter((c) => c.url === provider.doc.token_endpoint);

beforeEach(() => {
  sessionStorage.clear();
  history.replaceState(null, '', '/');
});
afterEach(() => {
  globalThis.fetch = realFetch;
  jest.useRealTimers();
});

describe('discovery', () => {
  test.each([
    ['ends in "/" (Auth0)', 'https://tenant.eu.auth0.com/', 'https://tenant.eu.auth0.com/.well-known/openid-configuration'],
    ['has a path (Keycloak realm)', 'https://sso.example.com/realms/parley', 'https://sso.example.com/realms/parley/.well-known/openid-configuration'],
    ['is a bare origin', 'https://login.example.com', 'https://login.example.com/.well-known/openid-configuration'],
  ])('an issuer that %s: endpoints come from {issuer minus final "/"}/.well-known/openid-configuration', async (_shape, issuer, documentUrl) => {
    use(fakeProvider({ issuer }));
    const { me, gone } = await signIn(config(issuer));
    expect(provider.calls[0]).toEqual({ url: documentUrl, method: 'GET' });
    expect(gone[0]!.startsWith(`${provider.doc.authorization_endpoint}?`)).toBe(true);
    expect(tokenCalls()).toHaveLength(1);
    expect(me).toEqual({ userId: 'u-ann', name: 'Ann' });
  });

  test('a discovery document that spells the issuer differently (without its "/") is refused before the user goes anywhere', async () => {
    use(fakeProvider({ issuer: 'https://tenant.eu.auth0.com/', documentIssuer: 'https://tenant.eu.auth0.com' }));
    const gone: string[] = [];
    const auth = new Auth(config('https://tenant.eu.auth0.com/'), sessionStorage, undefined, (u) => gone.push(u));
    await expect(auth.startOidcSignIn()).rejects.toThrow(/names the issuer "https:\/\/tenant\.eu\.auth0\.com", not "https:\/\/tenant\.eu\.auth0\.com\/"/);
    // What the sign-in page shows: a key and its params (test/web/sign-in-errors.test.ts renders them).
    await expect(auth.startOidcSignIn()).rejects.toMatchObject({ key: 'auth.discoveryIssuer', params: { named: 'https://tenant.eu.auth0.com', issuer: 'https://tenant.eu.auth0.com/' } });
    expect(gone).toEqual([]);
  });

  test('with the authorization and token endpoints configured (Cognito) nothing is discovered', async () => {
    const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123';
    use(fakeProvider({ issuer }));
    const hosted = { authorization: provider.doc.authorization_endpoint, token: provider.doc.token_endpoint, endSession: 'https://parley.auth.eu-west-1.amazoncognito.com/logout' };
    const { me } = await signIn(config(issuer, { endpoints: hosted }));
    expect(me?.userId).toBe('u-ann');
    expect(provider.calls.map((c) => `${c.method} ${c.url}`)).toEqual([`POST ${hosted.token}`]);
  });

  test('with only an end-session endpoint configured, the rest is discovered and the configured one wins', async () => {
    const issuer = 'https://sso.example.com/realms/parley';
    use(fakeProvider({ issuer }));
    const { auth, gone } = await signIn(config(issuer, { endpoints: { endSession: 'https://sso.example.com/custom/logout' } }));
    await auth.signOut();
    expect(new URL(gone[1]!).origin + new URL(gone[1]!).pathname).toBe('https://sso.example.com/custom/logout');
  });
});

describe('sign-in: authorization code + PKCE', () => {
  const issuer = 'https://sso.example.com/realms/parley';
  beforeEach(() => use(fakeProvider({ issuer })));

  test('the request carries an S256 challenge, a state and a nonce; the verifier never leaves the tab until the code exchange, which the provider accepts', async () => {
    const { auth, gone } = await signIn(config(issuer));
    const q = Object.fromEntries(new URL(gone[0]!).searchParams);
    expect(q).toMatchObject({ response_type: 'code', client_id: 'parley-web', redirect_uri: APP, scope: 'openid profile', code_challenge_method: 'S256' });
    expect(q.state).toBeTruthy();
    expect(q.nonce).toBeTruthy();
    const form = tokenCalls()[0]!.form!;
    expect(form).toMatchObject({ grant_type: 'authorization_code', client_id: 'parley-web', redirect_uri: APP });
    expect(form.code_verifier!.length).toBeGreaterThanOrEqual(43);
    expect(gone[0]).not.toContain(form.code_verifier);
    // The bearer token is the ID token, with the provider's nonce; no PKCE leftovers stay in the tab.
    const token = await auth.token();
    expect(identityOf(token)).toEqual({ userId: 'u-ann', name: 'Ann' });
    expect(Object.keys(sessionStorage).filter((k) => k.startsWith('parley.oidc.'))).toEqual([]);
    expect(location.search).toBe(''); // the code is off the address bar
  });

  test('the page the user was on comes back with them', async () => {
    history.replaceState(null, '', '/#/notifications');
    await signIn(config(issuer));
    expect(location.hash).toBe('#/notifications');
  });

  test('an answer this tab did not ask for (forged state, or a sign-in started in another tab) is refused and no code is exchanged', async () => {
    const gone: string[] = [];
    await new Auth(config(issuer), sessionStorage, undefined, (u) => gone.push(u)).startOidcSignIn();
    const back = provider.authorize(gone[0]!);
    const forged = new URL(back);
    forged.searchParams.set('state', 'forged');
    await expect(new Auth(config(issuer)).restore(at(forged.href))).rejects.toThrow(/does not match a sign-in started in this tab/);
    await expect(new Auth(config(issuer)).restore(at(forged.href))).rejects.toMatchObject({ key: 'auth.stateMismatch' });
    sessionStorage.clear(); // the genuine answer, but in another tab: its sessionStorage has no such sign-in
    await expect(new Auth(config(issuer)).restore(at(back))).rejects.toThrow(/does not match a sign-in started in this tab/);
    expect(tokenCalls()).toHaveLength(0);
  });

  test('a replayed answer (the same code and state again) is refused: the state is used up', async () => {
    const { back } = await signIn(config(issuer));
    await expect(new Auth(config(issuer)).restore(at(back))).rejects.toThrow(/does not match/);
    expect(tokenCalls()).toHaveLength(1);
  });

  test('an answer naming another issuer (RFC 9207 "iss") is refused', async () => {
    const gone: string[] = [];
    await new Auth(config(issuer), sessionStorage, undefined, (u) => gone.push(u)).startOidcSignIn();
    const back = new URL(provider.authorize(gone[0]!));
    back.searchParams.set('iss', 'https://evil.example.com/');
    await expect(new Auth(config(issuer)).restore(at(back.href))).rejects.toThrow(/another issuer/);
    await expect(new Auth(config(issuer)).restore(at(back.href))).rejects.toMatchObject({ key: 'auth.otherIssuer' });
    expect(tokenCalls()).toHaveLength(0);
  });

  test.each([
    ['for another client', { aud: 'someone-else' }, /not meant for this app/, { key: 'auth.wrongAudience' }],
    ['from another issuer', { iss: 'https://sso.example.com/realms/other' }, /issued by "https:\/\/sso\.example\.com\/realms\/other"/, { key: 'auth.wrongIssuer', params: { iss: 'https://sso.example.com/realms/other', issuer } }],
  ])('an ID token %s is refused and nothing is kept', async (_what, claims, message, shown) => {
    const gone: string[] = [];
    await new Auth(config(issuer), sessionStorage, undefined, (u) => gone.push(u)).startOidcSignIn();
    // The nonce is the request's (the library checks it first); only `claims` are wrong.
    const nonce = new URL(gone[0]!).searchParams.get('nonce');
    provider.tokenAnswers(() => provider.tokens({ nonce, ...claims }));
    const refused = new Auth(config(issuer)).restore(at(provider.authorize(gone[0]!)));
    await expect(refused).rejects.toThrow(message);
    await expect(refused).rejects.toMatchObject(shown);
    expect(sessionStorage.getItem('parley.session')).toBeNull();
  });

  test("the provider's error comes back as the sign-in error", async () => {
    await expect(new Auth(config(issuer)).restore(at(`${APP}?error=access_denied&error_description=User+cancelled&state=x`))).rejects.toThrow('User cancelled');
    // Shown as the provider's words inside a translated sentence ("Sign-in failed: User cancelled" / "登录失败：User cancelled").
    await expect(new Auth(config(issuer)).restore(at(`${APP}?error=access_denied&error_description=User+cancelled&state=x`))).rejects.toMatchObject({
      key: 'auth.refused',
      params: { reason: 'User cancelled' },
    });
  });
});

describe('renewal', () => {
  const issuer = 'https://tenant.eu.auth0.com/';
  beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z'), doNotFake: ['queueMicrotask'] }));

  test('in the background, shortly before the ID token expires, with the refresh token; the rotated one is used next time', async () => {
    use(fakeProvider({ issuer, ttl: 300 }));
    const { auth } = await signIn(config(issuer));
    const first = await auth.token();
    const lost: AuthError[] = [];
    const stop = auth.keepFresh((e) => lost.push(e));
    await jest.advanceTimersByTimeAsync(239_000); // due at 300 s − 60 s
    expect(tokenCalls()).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(tokenCalls()[1]!.form).toMatchObject({ grant_type: 'refresh_token', client_id: 'parley-web', refresh_token: 'r-1' });
    const second = await auth.token();
    expect(second).not.toBe(first);
    expect(identityOf(second).userId).toBe('u-ann');
    expect(JSON.parse(sessionStorage.getItem('parley.session')!)).toMatchObject({ token: second, refreshToken: 'r-2' });
    await jest.advanceTimersByTimeAsync(241_000);
    expect(tokenCalls()[2]!.form).toMatchObject({ grant_type: 'refresh_token', refresh_token: 'r-2' });
    expect(lost).toEqual([]);
    stop();
    await jest.advanceTimersByTimeAsync(600_000);
    expect(tokenCalls()).toHaveLength(3); // stopped: no more renewals
  });

  test('a short-lived token is renewed a quarter of its life early, not in a loop', async () => {
    use(fakeProvider({ issuer, ttl: 20 }));
    const { auth } = await signIn(config(issuer));
    const stop = auth.keepFresh(() => undefined);
    await jest.advanceTimersByTimeAsync(14_900);
    expect(tokenCalls()).toHaveLength(1);
    await jest.advanceTimersByTimeAsync(200);
    expect(tokenCalls()).toHaveLength(2);
    stop();
  });

  test('on use, a token that is due is renewed once for concurrent callers (a tab that slept)', async () => {
    use(fakeProvider({ issuer, ttl: 300 }));
    const { auth } = await signIn(config(issuer));
    jest.setSystemTime(new Date('2026-11-24T10:10:00Z')); // expired while the tab slept
    const [a, b] = await Promise.all([auth.token(), auth.token()]);
    expect(a).toBe(b);
    expect(tokenCalls()).toHaveLength(2);
  });

  test('a refused renewal (invalid_grant) ends the session: the tab forgets it and the app hears of it', async () => {
    use(fakeProvider({ issuer, ttl: 300 }));
    const { auth } = await signIn(config(issuer));
    provider.tokenAnswers(() => ({ status: 400, body: { error: 'invalid_grant', error_description: 'refresh token expired' } }));
    const lost: AuthError[] = [];
    auth.keepFresh((e) => lost.push(e));
    await jest.advanceTimersByTimeAsync(241_000);
    expect(lost).toHaveLength(1);
    expect(lost[0]!.message).toMatch(/refresh token expired/);
    expect(lost[0]).toMatchObject({ key: 'auth.renewFailed', params: { reason: 'refresh token expired' } });
    expect(sessionStorage.getItem('parley.session')).toBeNull();
    await expect(auth.token()).rejects.toThrow(AuthError);
  });

  test.each([
    ['cannot reach the provider', null],
    ['gets a 500 without an OAuth error', { status: 500, body: {} }],
    ['gets temporarily_unavailable', { status: 503, body: { error: 'temporarily_unavailable' } }],
  ])('a renewal that %s is tried again, and the still-valid token is used meanwhile', async (_what, answer) => {
    use(fakeProvider({ issuer, ttl: 300 }));
    const { auth } = await signIn(config(issuer));
    const first = await auth.token();
    provider.tokenAnswers(() => answer);
    const lost: AuthError[] = [];
    auth.keepFresh((e) => lost.push(e));
    await jest.advanceTimersByTimeAsync(241_000);
    expect(await auth.token()).toBe(first);
    provider.tokenAnswers(undefined);
    await jest.advanceTimersByTimeAsync(10_000);
    expect(await auth.token()).not.toBe(first);
    expect(lost).toEqual([]);
  });

  test('a renewed ID token for another user is refused', async () => {
    use(fakeProvider({ issuer, ttl: 300 }));
    const { auth } = await signIn(config(issuer));
    provider.tokenAnswers(() => provider.tokens({ sub: 'u-mallory' }));
    await expect(auth.renew()).rejects.toThrow(/sub in id_token does not match/);
    expect(sessionStorage.getItem('parley.session')).toBeNull();
  });

  test('a REST 401 (API Gateway\'s {"message":"Unauthorized"}) renews through the refresh token and the request is retried once with the new ID token', async () => {
    use(fakeProvider({ issuer, ttl: 300 }));
    const { auth } = await signIn(config(issuer));
    const old = await auth.token();
    const seen: string[] = [];
    const api = (async (_url: string, init: RequestInit) => {
      const bearer = (init.headers as Record<string, string>).authorization!.slice('Bearer '.length);
      seen.push(bearer);
      const ok = bearer !== old;
      return { ok, status: ok ? 200 : 401, text: async () => JSON.stringify(ok ? { items: [] } : { message: 'Unauthorized' }) };
    }) as unknown as typeof fetch;
    const rest = new RestClient({ apiUrl: 'https://api.example.com', token: () => auth.token(), onUnauthorized: () => auth.renew(), fetch: api });
    expect(await rest.friends()).toEqual({ items: [] });
    expect(seen).toHaveLength(2);
    expect(seen[1]).toBe(await auth.token());
    expect(tokenCalls().at(-1)!.form).toMatchObject({ grant_type: 'refresh_token' });
  });
});

describe('sign-out', () => {
  test('at the provider: its end-session endpoint with id_token_hint and post_logout_redirect_uri; the tab forgets first', async () => {
    const issuer = 'https://sso.example.com/realms/parley';
    use(fakeProvider({ issuer }));
    const { auth, gone } = await signIn(config(issuer));
    const idToken = await auth.token();
    await auth.signOut();
    const url = new URL(gone[1]!);
    expect(url.origin + url.pathname).toBe(provider.doc.end_session_endpoint);
    expect(url.searchParams.get('id_token_hint')).toBe(idToken);
    expect(url.searchParams.get('post_logout_redirect_uri')).toBe(APP);
    expect(sessionStorage.getItem('parley.session')).toBeNull();
    expect(await new Auth(config(issuer)).restore(at(APP))).toBeNull();
  });

  test("Cognito: the configured /logout with client_id and logout_uri (its own names), nothing discovered", async () => {
    const issuer = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbC123';
    use(fakeProvider({ issuer }));
    const endSession = 'https://parley.auth.eu-west-1.amazoncognito.com/logout';
    const { auth, gone } = await signIn(config(issuer, { endpoints: { authorization: provider.doc.authorization_endpoint, token: provider.doc.token_endpoint, endSession } }));
    await auth.signOut();
    const url = new URL(gone[1]!);
    expect(url.origin + url.pathname).toBe(endSession);
    expect(Object.fromEntries(url.searchParams)).toEqual({ client_id: 'parley-web', logout_uri: APP });
    expect(provider.calls.some((c) => c.url.includes('.well-known'))).toBe(false);
  });

  test('a provider without an end-session endpoint: only the tab signs out, the browser stays', async () => {
    const issuer = 'https://login.example.com';
    use(fakeProvider({ issuer, endSession: false }));
    const { auth, gone } = await signIn(config(issuer));
    await auth.signOut();
    expect(gone).toHaveLength(1); // only the sign-in
    expect(auth.identity).toBeNull();
  });
});
