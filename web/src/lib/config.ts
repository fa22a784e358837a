/** The runtime configuration (`/config.json`, the WebConfig of lib/wiring.ts), checked before the app uses it. */
import type { WebConfig } from '../types';

const isStr = (v: unknown): v is string => typeof v === 'string' && v.length > 0;

/** Validate a parsed config.json; throws an Error that says what is wrong. */
export function parseConfig(raw: unknown): WebConfig {
  const c = raw as Partial<WebConfig> | null;
  if (!c || typeof c !== 'object') throw new Error('config.json is not a JSON object.');
  if (!isStr(c.wsUrl) || !/^wss?:\/\//.test(c.wsUrl)) throw new Error('config.json has no valid wsUrl (ws:// or wss://).');
  if (!isStr(c.apiUrl) || !/^https?:\/\//.test(c.apiUrl)) throw new Error('config.json has no valid apiUrl (http:// or https://).');
  const a = c.auth as WebConfig['auth'] | undefined;
  if (!a || (a.mode !== 'dev' && a.mode !== 'oidc')) throw new Error('config.json has no auth.mode ("dev" or "oidc").');
  if (a.mode === 'dev') {
    if (!isStr(a.tokenUrl)) throw new Error('config.json auth (dev) needs tokenUrl.');
    return { wsUrl: c.wsUrl, apiUrl: c.apiUrl, auth: { mode: 'dev', tokenUrl: a.tokenUrl } };
  }
  for (const k of ['authorizeUrl', 'tokenUrl', 'clientId', 'redirectUri'] as const) {
    if (!isStr(a[k])) throw new Error(`config.json auth (oidc) needs ${k}.`);
  }
  const scopes = Array.isArray(a.scopes) && a.scopes.every(isStr) && a.scopes.length ? a.scopes : ['openid', 'email', 'profile'];
  return {
    wsUrl: c.wsUrl,
    apiUrl: c.apiUrl,
    auth: {
      mode: 'oidc',
      authorizeUrl: a.authorizeUrl,
      tokenUrl: a.tokenUrl,
      clientId: a.clientId,
      redirectUri: a.redirectUri,
      scopes,
      ...(isStr(a.logoutUrl) ? { logoutUrl: a.logoutUrl } : {}),
    },
  };
}

/** Fetch and validate `/config.json` (never cached: the infrastructure may change it without a rebuild). */
export async function loadConfig(doFetch: typeof fetch = (...a) => globalThis.fetch(...a)): Promise<WebConfig> {
  let res: Response;
  try {
    res = await doFetch('/config.json', { cache: 'no-store' });
  } catch {
    throw new Error('The server cannot be reached.');
  }
  if (!res.ok) throw new Error(`config.json could not be loaded (HTTP ${res.status}).`);
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new Error('config.json is not valid JSON.');
  }
  return parseConfig(body);
}
