/**
 * Helpers for the e2e tests that sign in through a real OpenID Provider (test/support/oidc-provider.ts): a person at
 * the app's sign-in page, the walk through the provider's own login and consent pages, and what a tab holds.
 *
 * The provider's pages @import a Google font; there is no internet here, so each browser context answers that
 * request with an empty stylesheet (an unanswered one would only log a console error, which the e2e tests count as a
 * failure).
 */
import type { Browser, Page } from 'playwright-core';
import { newBrowserUser } from '../support/browser';
import type { OidcProvider } from '../support/oidc-provider';
import type { TestStack } from '../support/stack';
import { ParleyUser } from './parley';

export type Claims = { iss: string; aud: string | string[]; sub: string; exp: number; name?: string };

/** A JWT's payload (no verification: the stack verifies; tests read what a token says). */
export const claims = (jwt: string): Claims => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()) as Claims;

/** The provider's `name` claim for a login (test/support/oidc/provider-server.mjs: the login capitalised). */
export const nameOf = (login: string): string => login.charAt(0).toUpperCase() + login.slice(1);

/** Whether a URL is one of the provider's own pages (under its issuer, whatever the issuer's shape). */
export const atProvider = (url: string, provider: OidcProvider): boolean => url.startsWith(`${provider.issuer.replace(/\/$/, '')}/`);

/** The ID token this tab signs its requests with (the web client's per-tab session), or null when signed out. */
export function storedToken(page: Page): Promise<string | null> {
  return page.evaluate(() => (JSON.parse(sessionStorage.getItem('parley.session') ?? 'null') as { token?: string } | null)?.token ?? null);
}

/** A new person (their own browser context) at the app's sign-in page, not signed in yet. */
export async function visitor(browser: Browser, stack: TestStack, label: string): Promise<ParleyUser> {
  const bu = await newBrowserUser(browser, label);
  await bu.context.route(/^https:\/\/fonts\.(googleapis|gstatic)\.com\//, (route) => route.fulfill({ status: 200, contentType: 'text/css', body: '' }));
  const user = new ParleyUser(bu, label);
  user.page.setDefaultTimeout(15_000);
  await user.page.goto(`${stack.url}/`);
  await user.tid('signin').waitFor();
  return user;
}

/** "Sign in" → the provider's login page (any password) → its consent page → back in the app, connected, settled. */
export async function signInAtProvider(user: ParleyUser, provider: OidcProvider, login: string, opts: { screenshot?: string } = {}): Promise<void> {
  await user.tid('signin-submit').click();
  const page = user.page;
  const loginBox = page.locator('input[name="login"]');
  await loginBox.waitFor();
  expect(atProvider(page.url(), provider)).toBe(true); // the provider's own page, not ours
  await loginBox.fill(login);
  await page.locator('input[name="password"]').fill('correct horse battery staple');
  if (opts.screenshot) await user.screenshot(opts.screenshot);
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click(); // consent
  await user.tid('chats-page').waitFor();
  await user.waitConnected();
  await user.browserUser.networkQuiet();
}

/** *Sign out* → the provider's end-session page asks to confirm → back at the app's sign-in page. */
export async function signOutAtProvider(user: ParleyUser, provider: OidcProvider, opts: { screenshot?: string } = {}): Promise<void> {
  await user.tid('sign-out').click();
  const confirm = user.page.getByRole('button', { name: 'Yes, sign me out' });
  await confirm.waitFor();
  expect(atProvider(user.page.url(), provider)).toBe(true);
  if (opts.screenshot) await user.screenshot(opts.screenshot);
  await confirm.click();
  await user.tid('signin').waitFor();
}
