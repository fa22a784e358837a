/**
 * A fake OpenID Provider behind a fake global `fetch`, strict where a real one is strict: it answers its discovery
 * document at `{issuer without a final /}/.well-known/openid-configuration` only, refuses a code exchange whose PKCE
 * verifier does not hash to the challenge (or whose redirect_uri or client differs), issues ID tokens with the
 * nonce of the authorization request, and rotates refresh tokens (an old one is refused, as `invalid_grant`).
 * Its ID tokens are unsigned: the web client never verifies them (the stack does). The real provider is in the
 * e2e test (test/e2e/oidc-signin.test.ts).
 */
import { createHash } from 'node:crypto';

const b64url = (s: string | Buffer) => Buffer.from(s).toString('base64url');
export const jwt = (claims: Record<string, unknown>) => `${b64url(JSON.stringify({ alg: 'RS256' }))}.${b64url(JSON.stringify(claims))}.sig`;

export interface Call {
  url: string;
  method: string;
  form?: Record<string, string>;
}

export interface FakeProviderOptions {
  issuer: string;
  clientId?: string;
  /** What its discovery document says the issuer is (default: `issuer`, as it must). */
  documentIssuer?: string;
  /** Publish an end-session endpoint (default true). */
  endSession?: boolean;
  /** ID token lifetime in seconds (default 3600). */
  ttl?: number;
}

interface Reply {
  status: number;
  body: unknown;
}

const reply = ({ status, body }: Reply) => ({
  ok: status < 400,
  status,
  statusText: status < 400 ? 'OK' : 'Error',
  headers: { get: (h: string) => (h.toLowerCase() === 'content-type' ? 'application/json' : null), has: () => false },
  json: async () => body,
  text: async () => JSON.stringify(body),
});

export function fakeProvider(opts: FakeProviderOptions) {
  const issuer = opts.issuer;
  const clientId = opts.clientId ?? 'parley-web';
  const origin = new URL(issuer).origin;
  const base = issuer.replace(/\/$/, '');
  const doc: Record<string, string> = {
    issuer: opts.documentIssuer ?? issuer,
    authorization_endpoint: `${base}/protocol/auth`,
    token_endpoint: `${base}/protocol/token`,
    jwks_uri: `${base}/protocol/certs`,
    ...(opts.endSession === false ? {} : { end_session_endpoint: `${base}/protocol/logout` }),
  };
  const calls: Call[] = [];
  const codes = new Map<string, { nonce?: string; challenge: string; redirectUri: string; clientId: string }>();
  let refreshToken = '';
  let issued = 0;
  /** Set to make the next token requests fail another way (null: no answer at all, a network failure). */
  let override: ((form: Record<string, string>) => Reply | null) | undefined;

  const idToken = (extra: Record<string, unknown> = {}) => {
    issued++;
    const now = Math.floor(Date.now() / 1000);
    return jwt({ iss: issuer, aud: clientId, sub: 'u-ann', name: 'Ann', iat: now, exp: now + (opts.ttl ?? 3600), n: issued, ...extra });
  };
  const tokens = (extra: Record<string, unknown> = {}) => {
    refreshToken = `r-${issued + 1}`;
    return { status: 200, body: { id_token: idToken(extra), access_token: `a-${issued}`, token_type: 'Bearer', expires_in: opts.ttl ?? 3600, refresh_token: refreshToken, scope: 'openid profile' } };
  };

  const tokenEndpoint = (form: Record<string, string>): Reply => {
    if (form.grant_type === 'authorization_code') {
      const c = codes.get(form.code ?? '');
      codes.delete(form.code ?? '');
      const challenge = b64url(createHash('sha256').update(form.code_verifier ?? '').digest());
      if (!c || c.challenge !== challenge || c.redirectUri !== form.redirect_uri || c.clientId !== form.client_id) {
        return { status: 400, body: { error: 'invalid_grant', error_description: 'grant request is invalid' } };
      }
      return tokens(c.nonce ? { nonce: c.nonce } : {});
    }
    if (form.grant_type === 'refresh_token') {
      if (!refreshToken || form.refresh_token !== refreshToken || form.client_id !== clientId) {
        return { status: 400, body: { error: 'invalid_grant', error_description: 'grant request is invalid' } };
      }
      return tokens();
    }
    return { status: 400, body: { error: 'unsupported_grant_type' } };
  };

  const fetch = (async (input: string | URL, init?: RequestInit) => {
    const url = String(input);
    const method = init?.method ?? 'GET';
    const form = typeof init?.body === 'string' || init?.body instanceof URLSearchParams ? Object.fromEntries(new URLSearchParams(init.body)) : undefined;
    calls.push({ url, method, ...(form ? { form } : {}) });
    if (url === `${base}/.well-known/openid-configuration` && method === 'GET') return reply({ status: 200, body: doc });
    if (url === doc.token_endpoint && method === 'POST') {
      const r = override ? override(form ?? {}) : tokenEndpoint(form ?? {});
      if (r === null) throw new TypeError('Failed to fetch');
      return reply(r);
    }
    return reply({ status: 404, body: { error: 'not_found' } });
  }) as unknown as typeof globalThis.fetch;

  return {
    issuer,
    clientId,
    doc,
    calls,
    fetch,
    origin,
    /** The refresh token the provider will accept next. */
    get refreshToken() {
      return refreshToken;
    },
    /**
     * The user signs in on the provider's pages: the authorization request is checked as the provider would, and
     * the URL it sends the browser back to is returned (`?code=&state=&iss=`, RFC 9207).
     */
    authorize(authorizeUrl: string): string {
      const u = new URL(authorizeUrl);
      const q = Object.fromEntries(u.searchParams);
      if (`${u.origin}${u.pathname}` !== doc.authorization_endpoint) throw new Error(`not the authorization endpoint: ${authorizeUrl}`);
      if (q.response_type !== 'code' || q.code_challenge_method !== 'S256' || !q.code_challenge || !q.state) throw new Error(`not a code + PKCE request: ${authorizeUrl}`);
      const code = `code-${codes.size + 1}-${Math.random().toString(36).slice(2)}`;
      codes.set(code, { nonce: q.nonce, challenge: q.code_challenge, redirectUri: q.redirect_uri!, clientId: q.client_id! });
      const back = new URL(q.redirect_uri!);
      back.searchParams.set('code', code);
      back.searchParams.set('state', q.state);
      back.searchParams.set('iss', issuer);
      return back.href;
    },
    /** Answer token requests this way from now on (undefined: back to normal). */
    tokenAnswers(fn: typeof override) {
      override = fn;
    },
    tokens,
  };
}

/** A Location for `Auth.restore` at this URL. */
export function at(href: string): Location {
  const u = new URL(href);
  return { href: u.href, search: u.search, pathname: u.pathname, hash: u.hash, origin: u.origin } as Location;
}
