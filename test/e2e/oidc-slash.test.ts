/**
 * End to end with a real OpenID Provider whose issuer ends in "/" (as Auth0's does: `http://127.0.0.1:<port>/`).
 * The "/" must survive everywhere: the web client finds the discovery document at `{issuer minus "/"}/.well-known/
 * openid-configuration`, accepts it only because its `issuer` is ours exactly (with the "/"), and the stack's
 * authorizers accept tokens whose `iss` keeps it. (oidc-signin.test.ts: the full journey with a Keycloak-shaped
 * issuer.) Its own file: a test file has one local stack, and this one trusts another provider.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { uid } from '../support/clients';
import { startOidcProvider, type OidcProvider } from '../support/oidc-provider';
import { startTestStack, type TestStack } from '../support/stack';
import { claims, nameOf, signInAtProvider, signOutAtProvider, storedToken, visitor } from './oidc-pages';
import { rebuildWebIfStale, textsOf, type ParleyUser } from './parley';

jest.setTimeout(120_000);

const CLIENT_ID = 'parley-web';

describe('sign-in through a real OpenID Provider whose issuer ends in "/", in Chromium', () => {
  let provider: OidcProvider;
  let stack: TestStack;
  let browser: Browser;
  let user: ParleyUser | undefined;

  beforeAll(async () => {
    const webDist = process.env.PARLEY_E2E_WEB_DIST || undefined;
    if (!webDist) rebuildWebIfStale();
    provider = await startOidcProvider('slash');
    [stack, browser] = await Promise.all([
      startTestStack({ oidc: { issuer: provider.issuer, audience: [CLIENT_ID] }, buildWeb: true, webDist }),
      launchChromium(),
    ]);
    await provider.configure({ clients: [{ client_id: CLIENT_ID, redirect_uris: [`${stack.url}/`], post_logout_redirect_uris: [`${stack.url}/`] }] });
  }, 240_000);

  afterEach(async () => {
    try {
      user?.browserUser.assertNoErrors();
    } finally {
      await user?.close().catch(() => undefined);
      user = undefined;
    }
  });

  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
    await provider?.stop();
  });

  test('a person signs in on its pages, is connected with a token whose iss keeps the "/", and signs out there', async () => {
    expect(provider.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const login = uid('cleo');
    user = await visitor(browser, stack, login);
    const discovery: string[] = [];
    user.page.on('request', (req) => {
      if (req.url().includes('/.well-known/')) discovery.push(req.url());
    });

    await signInAtProvider(user, provider, login);
    expect(await textsOf(user.tid('me'))).toEqual([expect.stringContaining(nameOf(login))]);
    // Once per page load (before leaving for the provider, and back with the code), always with one "/", not two.
    expect([...new Set(discovery)]).toEqual([`${provider.issuer}.well-known/openid-configuration`]);
    const token = (await storedToken(user.page))!;
    expect(claims(token)).toMatchObject({ iss: provider.issuer, aud: CLIENT_ID, sub: login });
    // Connected (the WebSocket authorizer took it) and the lists loaded (so did the HTTP API's): the friends list is there.
    await user.tid('friends-list').waitFor();

    await signOutAtProvider(user, provider);
    expect(await storedToken(user.page)).toBeNull();
  });
});
