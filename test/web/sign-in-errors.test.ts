/**
 * The errors the boot page and the sign-in page show carry a message key and named params (lib/keyed.ts), not an
 * English sentence: each renders in both locales. Their English `message` stays for logs and tests.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import './browser-globals';
import { Auth, AuthError } from '../../web/src/api/auth';
import { ProviderUnavailable } from '../../web/src/api/oidc';
import { t } from '../../web/src/i18n';
import en from '../../web/src/i18n/en';
import { ConfigError, loadConfig, parseConfig } from '../../web/src/lib/config';
import { KeyedError, shownOf, type Shown } from '../../web/src/lib/keyed';
import type { WebConfig } from '../../web/src/types';

/** What a page shows for this error, in both locales. */
function shown(err: unknown, fallback = 'signin.failed'): { en: string; zh: string; key: string } {
  const s: Shown = shownOf(err, fallback);
  return { key: s.key, en: t(s.key, s.params ?? {}, { locale: 'en' }), zh: t(s.key, s.params ?? {}, { locale: 'zh-CN' }) };
}
const caught = async (p: Promise<unknown>): Promise<unknown> => p.then(() => undefined, (e: unknown) => e);
const CJK = /[\u4e00-\u9fff]/;

const dev = { wsUrl: 'ws://127.0.0.1:3000/ws', apiUrl: 'http://127.0.0.1:3000', auth: { mode: 'dev', tokenUrl: 'http://127.0.0.1:3000/dev/token' } };
const oidcAuth: Extract<WebConfig['auth'], { mode: 'oidc' }> = { mode: 'oidc', issuer: 'https://i/', clientId: 'c', redirectUri: 'https://r/', scopes: ['openid'] };

describe('boot errors (lib/config.ts)', () => {
  test.each([
    ['not an object', null, 'bootErrors.notObject', 'config.json is not a JSON object.', 'config.json 不是 JSON 对象。'],
    ['no wsUrl', { ...dev, wsUrl: 'http://x' }, 'bootErrors.wsUrl', 'config.json has no valid wsUrl (ws:// or wss://).', 'config.json 中没有有效的 wsUrl（ws:// 或 wss://）。'],
    ['no apiUrl', { ...dev, apiUrl: '' }, 'bootErrors.apiUrl', 'config.json has no valid apiUrl (http:// or https://).', 'config.json 中没有有效的 apiUrl（http:// 或 https://）。'],
    ['unknown auth mode', { ...dev, auth: { mode: 'magic' } }, 'bootErrors.authMode', 'config.json has no auth.mode (“dev” or “oidc”).', 'config.json 中没有 auth.mode（“dev”或“oidc”）。'],
    ['dev without tokenUrl', { ...dev, auth: { mode: 'dev' } }, 'bootErrors.devTokenUrl', 'config.json auth (dev) needs tokenUrl.', 'config.json 的 auth（dev）缺少 tokenUrl。'],
    ['oidc without clientId', { ...dev, auth: { mode: 'oidc', issuer: 'https://i/', redirectUri: 'https://r' } }, 'bootErrors.oidcField', 'config.json auth (oidc) needs clientId.', 'config.json 的 auth（oidc）缺少 clientId。'],
    ['oidc issuer not http(s)', { ...dev, auth: { ...oidcAuth, issuer: 'ftp://i/' } }, 'bootErrors.oidcIssuer', 'config.json auth (oidc) issuer is not an http(s) URL.', 'config.json 的 auth（oidc）中的 issuer 不是 http(s) URL。'],
  ])('%s: a ConfigError with its key, shown in both locales', (_name, raw, key, english, chinese) => {
    let err: unknown;
    try {
      parseConfig(raw);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toBe(english.replace(/[“”]/g, '"')); // the programmatic English is unchanged
    expect(shown(err)).toEqual({ key, en: english, zh: chinese });
  });

  test('loadConfig: unreachable, HTTP failure and bad JSON', async () => {
    const down = (async () => {
      throw new TypeError('Failed to fetch');
    }) as unknown as typeof fetch;
    expect(shown(await caught(loadConfig(down)))).toEqual({ key: 'bootErrors.unreachable', en: 'The server cannot be reached.', zh: '无法连接服务器。' });
    const missing = (async () => ({ ok: false, status: 404, json: async () => ({}) })) as unknown as typeof fetch;
    expect(shown(await caught(loadConfig(missing)))).toEqual({ key: 'bootErrors.http', en: 'config.json could not be loaded (HTTP 404).', zh: '无法加载 config.json（HTTP 404）。' });
    const garbled = (async () => ({ ok: true, status: 200, json: async () => JSON.parse('<html>') })) as unknown as typeof fetch;
    expect(shown(await caught(loadConfig(garbled)))).toEqual({ key: 'bootErrors.notJson', en: 'config.json is not valid JSON.', zh: 'config.json 不是有效的 JSON。' });
  });

  test('the boot page: reason inside boot.body; any other failure gets the generic reason', () => {
    const why = shownOf(new Error('boom'), 'bootErrors.unknown');
    expect(t('boot.body', { reason: t(why.key, why.params ?? {}, { locale: 'en' }) }, { locale: 'en' })).toBe('Something went wrong while starting. Reload the page to try again.');
    expect(t('boot.body', { reason: t(why.key, why.params ?? {}, { locale: 'zh-CN' }) }, { locale: 'zh-CN' })).toBe('启动时出错了。 请刷新页面重试。');
  });
});

describe('sign-in errors (api/auth.ts, api/oidc.ts)', () => {
  beforeEach(() => sessionStorage.clear());
  const DEV: WebConfig['auth'] = { mode: 'dev', tokenUrl: 'http://127.0.0.1:3000/dev/token' };
  const answer = (status: number, body: unknown) => (async () => ({ ok: status < 400, status, json: async () => body })) as unknown as typeof fetch;

  test("the dev issuer's refusal: its own words inside a translated sentence", async () => {
    const err = await caught(new Auth(DEV, sessionStorage, answer(400, { error: { message: 'userId must be 1-64 characters' } })).devSignIn('x'));
    expect(err).toBeInstanceOf(AuthError);
    expect(shown(err)).toEqual({ key: 'auth.refused', en: 'Sign-in failed: userId must be 1-64 characters', zh: '登录失败：userId must be 1-64 characters' });
  });

  test('the dev issuer fails without a message: the HTTP status', async () => {
    const err = await caught(new Auth(DEV, sessionStorage, answer(502, {})).devSignIn('x'));
    expect((err as Error).message).toBe('sign-in failed (HTTP 502)');
    expect(shown(err)).toEqual({ key: 'auth.http', en: 'Sign-in failed (HTTP 502).', zh: '登录失败（HTTP 502）。' });
  });

  test('the wrong kind of sign-in for the config, and no session', async () => {
    expect(shown(await caught(new Auth(DEV, sessionStorage).startOidcSignIn()))).toEqual({ key: 'auth.noProvider', en: 'No sign-in provider is configured.', zh: '未配置登录服务。' });
    expect(shown(await caught(new Auth(oidcAuth, sessionStorage).devSignIn('x')))).toEqual({
      key: 'auth.devOnly',
      en: 'Signing in with a user id is only available locally.',
      zh: '使用用户 ID 登录仅在本地可用。',
    });
    expect(shown(await caught(new Auth(DEV, sessionStorage).token()))).toEqual({ key: 'auth.signedOut', en: 'You are not signed in.', zh: '你尚未登录。' });
  });

  test('a session that can only be renewed by signing in again has expired', async () => {
    const b64url = (s: string) => Buffer.from(s).toString('base64url');
    const token = `${b64url('{}')}.${b64url(JSON.stringify({ sub: 'ann', exp: Math.floor(Date.now() / 1000) + 3600 }))}.sig`;
    sessionStorage.setItem('parley.session', JSON.stringify({ token, expiresAt: Date.now() + 3_600_000 })); // no refresh token
    const auth = new Auth(oidcAuth, sessionStorage);
    expect(await auth.restore()).toEqual({ userId: 'ann', name: 'ann' });
    const err = await caught(auth.renew());
    expect((err as Error).message).toBe('Your session has expired. Please sign in again.');
    expect(shown(err)).toEqual({ key: 'app.sessionExpired', en: 'Your session has expired. Please sign in again.', zh: '登录已过期，请重新登录。' });
  });

  test('a token that is no JWT, and a provider out of reach', () => {
    const auth = new AuthError('not a JWT', { key: 'auth.badToken' });
    expect(shown(auth).key).toBe('auth.badToken');
    expect(shown(new ProviderUnavailable('down'))).toEqual({ key: 'auth.unreachable', en: 'The sign-in provider cannot be reached. Please try again.', zh: '无法连接登录服务。请重试。' });
  });

  test('any other error shows the generic text; an AuthError without a key too', () => {
    expect(shown(new TypeError('x'))).toEqual({ key: 'signin.failed', en: 'Sign-in failed.', zh: '登录失败。' });
    expect(shown(new AuthError('Sign-in failed.')).key).toBe('signin.failed');
  });
});

test('every key the api/ and config code gives an error exists in both locales, with the params it is given', () => {
  const root = path.join(__dirname, '../../web/src');
  const files = ['api/auth.ts', 'api/identity.ts', 'api/oidc.ts', 'lib/config.ts'];
  const keys = new Set<string>();
  for (const f of files) {
    const src = fs.readFileSync(path.join(root, f), 'utf8');
    for (const m of src.matchAll(/key: '([\w.]+)'/g)) keys.add(m[1]!);
    for (const m of src.matchAll(/asOurs\(err, (?:'[^']*'|"[^"]*"), '([\w.]+)'\)/g)) keys.add(m[1]!);
    for (const m of src.matchAll(/new ConfigError\([^;]*?, '(\w+)'/g)) keys.add(`bootErrors.${m[1]}`);
    for (const m of src.matchAll(/super\(message, '([\w.]+)'/g)) keys.add(m[1]!);
  }
  expect(keys.size).toBeGreaterThanOrEqual(25);
  const get = (key: string) => key.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], en);
  for (const key of keys) {
    expect({ key, en: typeof get(key) }).toEqual({ key, en: 'string' }); // (zh-CN has the same keys: i18n.test.ts)
    for (const locale of ['en', 'zh-CN'] as const) {
      const out = t(key, { reason: '<r>', status: 500, field: 'clientId', named: '<n>', issuer: '<i>', iss: '<s>' }, { locale });
      expect(out).not.toBe(key);
      if (locale === 'zh-CN') expect(out).toMatch(CJK);
    }
  }
  expect(new KeyedError('m', 'k').params).toEqual({});
});
