/** The runtime configuration (`/config.json`, the WebConfig of lib/wiring.ts), checked before the app uses it. */
import type { WebConfig } from '../types';
import { KeyedError, type Params } from './keyed';

/**
 * Why the app can't start: the English `message` (logs, tests) and the `bootErrors.*` key the boot error page shows
 * in the active locale.
 */
export class ConfigError extends KeyedError {
  constructor(message: string, key: string, params?: Params) {
    super(message, `bootErrors.${key}`, params);
    this.name = 'ConfigError';
  }
}

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Validate a parsed config.json; throws a ConfigError that says what is wrong. */
export function parseConfig(raw: unknown): WebConfig {
  const c = raw as Partial<WebConfig> | null;
  if (!c || typeof c !== 'object') throw new ConfigError('config.json is not a JSON object.', 'notObject');
  if (!isStr(c.wsUrl) || !/^wss?:\/\//.test(c.wsUrl)) throw new ConfigError('config.json has no valid wsUrl (ws:// or wss://).', 'wsUrl');
  if (!isStr(c.apiUrl) || !/^https?:\/\//.test(c.apiUrl)) throw new ConfigError('config.json has no valid apiUrl (http:// or https://).', 'apiUrl');
  const a = c.auth as WebConfig['auth'] | undefined;
  if (!a || (a.mode !== 'dev' && a.mode !== 'oidc')) throw new ConfigError('config.json has no auth.mode ("dev" or "oidc").', 'authMode');
  if (a.mode === 'dev') {
    if (!isStr(a.tokenUrl)) throw new ConfigError('config.json auth (dev) needs tokenUrl.', 'devTokenUrl');
    return { wsUrl: c.wsUrl, apiUrl: c.apiUrl, auth: { mode: 'dev', tokenUrl: a.tokenUrl } };
  }
  for (const k of ['issuer', 'clientId', 'redirectUri'] as const) {
    if (!isStr(a[k])) throw new ConfigError(`config.json auth (oidc) needs ${k}.`, 'oidcField', { field: k });
  }
  if (!/^https?:\/\//.test(a.issuer)) throw new ConfigError('config.json auth (oidc) issuer is not an http(s) URL.', 'oidcIssuer');
  const listed = Array.isArray(a.scopes) && a.scopes.every(isStr) && a.scopes.length ? a.scopes : ['openid', 'email', 'profile'];
  // Without "openid" there is no ID token, and the ID token is what the app signs its requests with.
  const scopes = listed.includes('openid') ? listed : ['openid', ...listed];
  // Only the endpoints that are there (the others come from the issuer's discovery document).
  const given = (a.endpoints ?? {}) as Record<string, unknown>;
  const endpoints: { authorization?: string; token?: string; endSession?: string } = {};
  for (const k of ['authorization', 'token', 'endSession'] as const) {
    const v = given[k];
    if (isStr(v)) endpoints[k] = v;
  }
  return {
    wsUrl: c.wsUrl,
    apiUrl: c.apiUrl,
    auth: {
      mode: 'oidc',
      // Exactly as given: the issuer is compared with tokens' `iss` character for character (trailing "/" included).
      issuer: a.issuer,
      clientId: a.clientId,
      redirectUri: a.redirectUri,
      scopes,
      ...(Object.keys(endpoints).length ? { endpoints } : {}),
    },
  };
}

/** Fetch and validate `/config.json` (never cached: the infrastructure may change it without a rebuild). */
export async function loadConfig(doFetch: typeof fetch = (...a) => globalThis.fetch(...a)): Promise<WebConfig> {
  let res: Response;
  try {
    res = await doFetch('/config.json', { cache: 'no-store' });
  } catch {
    throw new ConfigError('The server cannot be reached.', 'unreachable');
  }
  if (!res.ok) throw new ConfigError(`config.json could not be loaded (HTTP ${res.status}).`, 'http', { status: res.status });
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ConfigError('config.json is not valid JSON.', 'notJson');
  }
  return parseConfig(body);
}
