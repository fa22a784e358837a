/**
 * End to end with a real OpenID Provider: `oidc-provider` (OpenID Certified) on loopback with a Keycloak-shaped
 * issuer (`…/realms/parley`: discovery under a path), a local stack that trusts only it (`oidc: { issuer, audience }`
 * — its WebSocket and HTTP JWT authorizers, and the config.json the built client reads), and the built web client in
 * Chromium. Each person is their own browser context; they sign in on the PROVIDER's own login and consent pages.
 *
 * The provider issues ID tokens that live TTL_SECONDS, so the client renews during the test (a refresh-token grant
 * at 3/4 of the token's life) and the first tokens have expired before the last messages are sent.
 *
 * Screenshots go to test-artifacts/oidc-*.png. (test/e2e/oidc-slash.test.ts: the same provider with an issuer
 * ending in "/".)
 */
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { launchChromium } from '../support/browser';
import { sendEvent, uid } from '../support/clients';
import { startOidcProvider, type OidcProvider } from '../support/oidc-provider';
import { startTestStack, type TestStack } from '../support/stack';
import { atProvider, claims, nameOf, signInAtProvider, signOutAtProvider, storedToken, visitor as newVisitor } from './oidc-pages';
import { attrOf, closeUsers, eventually, type ParleyUser, rebuildWebIfStale, textsOf } from './parley';

// Two sign-ins through the provider's pages, a wait for a renewal (~TTL) and for the first token to expire.
jest.setTimeout(180_000);

const CLIENT_ID = 'parley-web';
/** Another app registered at the same provider: its tokens are not for Parley. */
const OTHER_CLIENT = 'other-app';
const OTHER_REDIRECT = 'http://127.0.0.1:9/callback';
/** ID token lifetime: the client renews 1/4 of it (7.5 s) before expiry, i.e. ~22 s after each sign-in or renewal. */
const TTL_SECONDS = 30;

describe('sign-in through a real OpenID Provider (issuer with a path), in Chromium', () => {
  let provider: OidcProvider;
  let stack: TestStack;
  let browser: Browser;
  const open: ParleyUser[] = [];

  beforeAll(async () => {
    const webDist = process.env.PARLEY_E2E_WEB_DIST || undefined;
    if (!webDist) rebuildWebIfStale();
    provider = await startOidcProvider('path');
    [stack, browser] = await Promise.all([
      startTestStack({ oidc: { issuer: provider.issuer, audience: [CLIENT_ID] }, buildWeb: true, webDist }),
      launchChromium(),
    ]);
    // The redirect URIs are known only now that the stack has its port.
    await provider.configure({
      clients: [
        { client_id: CLIENT_ID, redirect_uris: [`${stack.url}/`], post_logout_redirect_uris: [`${stack.url}/`] },
        { client_id: OTHER_CLIENT, redirect_uris: [OTHER_REDIRECT] },
      ],
      tokenTtlSeconds: TTL_SECONDS,
    });
  }, 240_000);

  afterEach(() => closeUsers(open));

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await provider?.stop();
  });

  /** A new person at the app's sign-in page; their browser is checked for errors after the test. */
  async function visitor(label: string): Promise<ParleyUser> {
    const user = await newVisitor(browser, stack, label);
    open.push(user);
    return user;
  }

  test('config.json tells the client to sign in with the provider, and the sign-in page offers only that', async () => {
    const config = (await (await fetch(`${stack.url}/config.json`)).json()) as { auth: unknown };
    expect(config.auth).toEqual({ mode: 'oidc', issuer: provider.issuer, clientId: CLIENT_ID, scopes: ['openid', 'profile'], redirectUri: `${stack.url}/` });
    const someone = await visitor(uid('visitor'));
    expect(await textsOf(someone.tid('signin-submit'))).toEqual([expect.stringMatching(/^\s*Sign in\s*$/)]);
    expect(await someone.page.getByTestId(/^signin-user-/).count()).toBe(0); // no dev quick picks
    expect(await someone.tid('signin-name').count()).toBe(0); // no "any user id" form
    await someone.screenshot('oidc-sign-in-page');
  });

  test('two people sign in on the provider, chat, keep chatting after their tokens are renewed and the first ones expire, and one signs out at the provider', async () => {
    const ann = uid('ann');
    const ben = uid('ben');

    const a = await visitor(ann);
    // Every REST call and WebSocket connect of Ann's page, with the token it carried (what the stack had to accept).
    const apiCalls: { path: string; status: number; token: string }[] = [];
    a.page.on('response', (res) => {
      const url = new URL(res.url());
      const auth = res.request().headers().authorization;
      if (url.origin === stack.url && url.pathname.startsWith('/api/') && auth) apiCalls.push({ path: url.pathname, status: res.status(), token: auth.replace(/^Bearer /, '') });
    });
    const sockets: string[] = [];
    a.page.on('websocket', (ws) => sockets.push(new URL(ws.url()).searchParams.get('token') ?? ''));

    await signInAtProvider(a, provider, ann, { screenshot: 'oidc-provider-login' });
    expect(await textsOf(a.tid('me'))).toEqual([expect.stringContaining(nameOf(ann))]); // the provider's `name` claim
    const first = (await storedToken(a.page))!;
    expect(claims(first)).toMatchObject({ iss: provider.issuer, aud: CLIENT_ID, sub: ann });
    // (The provider reports its events over IPC, not in step with its HTTP answers: wait for the report.)
    await eventually(() => expect(provider.events()).toContainEqual({ type: 'grant', grantType: 'authorization_code', clientId: CLIENT_ID }));

    const b = await visitor(ben);
    await signInAtProvider(b, provider, ben);
    await sendEvent(stack, 'FriendshipCreated', { userIds: [ann, ben], names: { [ann]: nameOf(ann), [ben]: nameOf(ben) } });
    await stack.drainEvents();

    await a.openChat(ben);
    await a.send(ben, 'Hi Ben, I signed in at the provider');
    await b.openChat(ann);
    await eventually(async () => expect(await b.messageTexts(ann)).toEqual(['Hi Ben, I signed in at the provider']));
    await b.send(ann, 'Hi Ann, me too');
    await eventually(async () => expect(await a.messageTexts(ben)).toEqual(['Hi Ben, I signed in at the provider', 'Hi Ann, me too']));
    await a.screenshot('oidc-signed-in-chat');

    // Renewal: the tab's token is replaced, by a refresh-token grant at the provider, before it expires.
    const renewed = await eventually(async () => {
      const now = await storedToken(a.page);
      expect(now).not.toBe(first);
      return now!;
    }, (TTL_SECONDS + 30) * 1000);
    expect(claims(renewed)).toMatchObject({ iss: provider.issuer, aud: CLIENT_ID, sub: ann });
    expect(claims(renewed).exp).toBeGreaterThan(claims(first).exp);
    await eventually(() => expect(provider.events()).toContainEqual({ type: 'grant', grantType: 'refresh_token', clientId: CLIENT_ID }));

    // The first token has now expired (the clock is the condition); everything below runs on renewed ones.
    await eventually(() => expect(Date.now() / 1000).toBeGreaterThan(claims(first).exp + 1), (TTL_SECONDS + 5) * 1000);
    const before = { api: apiCalls.length, sockets: sockets.length };
    // A reload: the tab's session comes back from sessionStorage; the socket reconnects and REST reloads the lists.
    await a.page.reload();
    await a.tid('chats-page').waitFor();
    await a.waitConnected();
    await a.openChat(ben);
    await eventually(async () => expect(await a.messageTexts(ben)).toEqual(['Hi Ben, I signed in at the provider', 'Hi Ann, me too']));
    await a.send(ben, 'Still here after the renewal');
    await eventually(async () => expect(await b.messageTexts(ann)).toContain('Still here after the renewal'));
    await b.send(ann, 'So am I');
    await eventually(async () => expect(await a.messageTexts(ben)).toContain('So am I'));
    await a.browserUser.networkQuiet();
    const after = apiCalls.slice(before.api);
    expect(after.length).toBeGreaterThan(0);
    expect(after.filter((c) => c.status !== 200)).toEqual([]);
    expect(after.some((c) => c.token === first)).toBe(false);
    expect(sockets.slice(before.sockets).length).toBeGreaterThan(0);
    expect(sockets.slice(before.sockets)).not.toContain(first);
    await a.screenshot('oidc-after-renewal');

    // Sign-out goes through the provider's end-session page (it asks to confirm) and back to the app, signed out.
    await signOutAtProvider(a, provider, { screenshot: 'oidc-provider-sign-out' });
    expect(new URL(a.page.url()).origin).toBe(stack.url);
    expect(await storedToken(a.page)).toBeNull();
    await eventually(() => expect(provider.events()).toContainEqual({ type: 'endSession', clientId: CLIENT_ID }));
    await eventually(async () => expect(await attrOf(b.tid(`presence-${ann}`), 'data-online')).toBe('false'));
    await a.screenshot('oidc-signed-out');

    // Signed out at the provider too: signing in again asks for the login instead of coming straight back.
    await a.tid('signin-submit').click();
    await a.page.locator('input[name="login"]').waitFor();
    expect(atProvider(a.page.url(), provider)).toBe(true);
  });

  test("a token the same provider issued to another app is refused by the stack's REST and WebSocket authorizers", async () => {
    const mallory = uid('mallory');
    const theirs = await provider.signIn({ clientId: OTHER_CLIENT, redirectUri: OTHER_REDIRECT, login: mallory });
    const ours = await provider.signIn({ clientId: CLIENT_ID, redirectUri: `${stack.url}/`, login: mallory });
    expect(claims(theirs.id_token)).toMatchObject({ iss: provider.issuer, aud: OTHER_CLIENT, sub: mallory });

    const friends = (token: string) => fetch(`${stack.url}/api/friends`, { headers: { authorization: `Bearer ${token}` } });
    const refused = await friends(theirs.id_token);
    expect(refused.status).toBe(401);
    expect(await refused.json()).toEqual({ message: 'Unauthorized' });
    expect((await friends(ours.id_token)).status).toBe(200); // same user, same provider: only the audience differs

    expect([401, 403]).toContain(await handshake(stack, theirs.id_token));
    expect(await handshake(stack, ours.id_token)).toBe(101);
  });
});

/** The HTTP status of a WebSocket handshake with this token (101: it opened; then it is closed again). */
function handshake(stack: TestStack, token: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${stack.wsUrl}?token=${encodeURIComponent(token)}`, { origin: stack.url });
    ws.once('open', () => {
      ws.close(1000);
      resolve(101);
    });
    ws.once('unexpected-response', (req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
      req.destroy();
    });
    ws.on('error', reject); // after a refusal too: a late socket error must not go unhandled
  });
}
