/**
 * Sign-in. Locally: the dev issuer (`POST tokenUrl {"userId","name"}`). On AWS: OIDC authorization code + PKCE
 * against the configured provider (Cognito hosted UI); the `id_token` is the bearer token for REST and the
 * `?token=` of the WebSocket URL. Tokens live in sessionStorage (per tab) and are renewed before they expire.
 */
import type { WebConfig } from '../types';

export interface Identity {
  userId: string;
  name: string;
}

interface StoredSession {
  token: string;
  /** Epoch ms. */
  expiresAt: number;
  refreshToken?: string;
  /** Dev mode: what to ask the dev issuer for again. */
  dev?: { userId: string; name?: string };
}

const SESSION_KEY = 'parley.session';
const PKCE_KEY = 'parley.pkce';
/** Renew a token this long before it expires. */
const RENEW_MARGIN_MS = 60_000;

export class AuthError extends Error {}

/** The payload of a JWT (no verification: the server verifies; the client only reads its own identity). */
export function decodeJwt(token: string): Record<string, unknown> {
  const part = token.split('.')[1];
  if (!part) throw new AuthError('not a JWT');
  const b64 = part.replace(/-/g, '+').replace(/_/g, '/').padEnd(Math.ceil(part.length / 4) * 4, '=');
  const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  return JSON.parse(new TextDecoder().decode(bytes)) as Record<string, unknown>;
}

/** The contract's display name rule: name → preferred_username → cognito:username → sub. */
export function identityOf(token: string): Identity {
  const c = decodeJwt(token);
  const sub = String(c.sub ?? '');
  const pick = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  return { userId: sub, name: pick(c.name) ?? pick(c.preferred_username) ?? pick(c['cognito:username']) ?? sub };
}

function b64url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomString(bytes = 32): string {
  const a = new Uint8Array(bytes);
  crypto.getRandomValues(a);
  return b64url(a);
}

async function s256(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return b64url(new Uint8Array(digest));
}

export class Auth {
  identity: Identity | null = null;
  private session: StoredSession | null = null;
  private renewing: Promise<void> | undefined;

  constructor(
    private readonly config: WebConfig['auth'],
    private readonly storage: Storage = sessionStorage,
    private readonly doFetch: typeof fetch = (...a) => globalThis.fetch(...a),
    /** Leave the app for the provider's pages (a test passes a recorder). */
    private readonly go: (url: string) => void = (url) => window.location.assign(url),
  ) {}

  get mode(): 'dev' | 'oidc' {
    return this.config.mode;
  }

  /** The demo users the dev issuer offers (empty when it has no list). */
  async devUsers(): Promise<{ userId: string; name: string }[]> {
    if (this.config.mode !== 'dev') return [];
    try {
      const res = await this.doFetch(this.config.tokenUrl.replace(/\/token\/?$/, '/users'));
      if (!res.ok) return [];
      const body = (await res.json()) as { items?: { userId: string; name?: string }[] };
      return (body.items ?? []).map((u) => ({ userId: u.userId, name: u.name ?? u.userId }));
    } catch {
      return [];
    }
  }

  /** Restore a session from this tab, or finish an OIDC redirect (`?code=&state=`). */
  async restore(location: Location = window.location): Promise<Identity | null> {
    if (this.config.mode === 'oidc') {
      const params = new URLSearchParams(location.search);
      if (params.get('code') || params.get('error')) {
        history.replaceState(null, '', location.pathname + location.hash);
        if (params.get('error')) throw new AuthError(params.get('error_description') ?? params.get('error') ?? 'sign-in failed');
        await this.finishOidc(params.get('code') ?? '', params.get('state') ?? '');
        return this.identity;
      }
    }
    const raw = this.storage.getItem(SESSION_KEY);
    if (!raw) return null;
    try {
      this.session = JSON.parse(raw) as StoredSession;
      this.identity = identityOf(this.session.token);
      await this.token(); // renew now if it has expired
      return this.identity;
    } catch {
      this.clear();
      return null;
    }
  }

  async devSignIn(userId: string, name?: string): Promise<Identity> {
    if (this.config.mode !== 'dev') throw new AuthError('dev sign-in is only available locally');
    const res = await this.doFetch(this.config.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(name ? { userId, name } : { userId }),
    });
    const body = (await res.json().catch(() => ({}))) as { token?: string; expiresIn?: number; error?: { message?: string } };
    if (!res.ok || !body.token) throw new AuthError(body.error?.message ?? `sign-in failed (HTTP ${res.status})`);
    this.save({ token: body.token, expiresAt: Date.now() + (body.expiresIn ?? 3600) * 1000, dev: { userId, name } });
    return this.identity!;
  }

  /** Go to the provider's sign-in page (authorization code + PKCE). */
  async startOidcSignIn(): Promise<void> {
    if (this.config.mode !== 'oidc') throw new AuthError('no OIDC provider configured');
    const verifier = randomString(48);
    const state = randomString(16);
    this.storage.setItem(PKCE_KEY, JSON.stringify({ verifier, state, hash: location.hash }));
    const url = new URL(this.config.authorizeUrl);
    url.searchParams.set('response_type', 'code');
    url.searchParams.set('client_id', this.config.clientId);
    url.searchParams.set('redirect_uri', this.config.redirectUri);
    url.searchParams.set('scope', this.config.scopes.join(' '));
    url.searchParams.set('state', state);
    url.searchParams.set('code_challenge', await s256(verifier));
    url.searchParams.set('code_challenge_method', 'S256');
    this.go(url.toString());
  }

  private async finishOidc(code: string, state: string): Promise<void> {
    if (this.config.mode !== 'oidc') return;
    const saved = JSON.parse(this.storage.getItem(PKCE_KEY) ?? 'null') as { verifier: string; state: string; hash?: string } | null;
    this.storage.removeItem(PKCE_KEY);
    if (!saved || saved.state !== state) throw new AuthError('sign-in answer does not match this tab; please sign in again');
    await this.tokenRequest({
      grant_type: 'authorization_code',
      client_id: this.config.clientId,
      code,
      redirect_uri: this.config.redirectUri,
      code_verifier: saved.verifier,
    });
    if (saved.hash) history.replaceState(null, '', location.pathname + saved.hash);
  }

  private async tokenRequest(form: Record<string, string>): Promise<void> {
    if (this.config.mode !== 'oidc') return;
    const res = await this.doFetch(this.config.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const body = (await res.json().catch(() => ({}))) as { id_token?: string; refresh_token?: string; expires_in?: number; error?: string };
    if (!res.ok || !body.id_token) throw new AuthError(body.error ?? `token request failed (HTTP ${res.status})`);
    const exp = Number(decodeJwt(body.id_token).exp);
    this.save({
      token: body.id_token,
      expiresAt: Number.isFinite(exp) ? exp * 1000 : Date.now() + (body.expires_in ?? 3600) * 1000,
      refreshToken: body.refresh_token ?? this.session?.refreshToken,
    });
  }

  /** A valid token, renewed first when it is about to expire. */
  async token(): Promise<string> {
    if (!this.session) throw new AuthError('not signed in');
    if (Date.now() > this.session.expiresAt - RENEW_MARGIN_MS) await this.renew();
    return this.session.token;
  }

  /** Get a new token now (dev: ask the issuer again; OIDC: the refresh token). */
  renew(): Promise<void> {
    this.renewing ??= this.doRenew().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async doRenew(): Promise<void> {
    const s = this.session;
    if (!s) throw new AuthError('not signed in');
    if (s.dev) {
      await this.devSignIn(s.dev.userId, s.dev.name);
    } else if (s.refreshToken && this.config.mode === 'oidc') {
      await this.tokenRequest({ grant_type: 'refresh_token', client_id: this.config.clientId, refresh_token: s.refreshToken });
    } else {
      this.clear();
      throw new AuthError('session expired; please sign in again');
    }
  }

  signOut(): void {
    this.clear();
    if (this.config.mode === 'oidc' && this.config.logoutUrl) {
      const url = new URL(this.config.logoutUrl);
      url.searchParams.set('client_id', this.config.clientId);
      url.searchParams.set('logout_uri', this.config.redirectUri); // Cognito's name
      url.searchParams.set('post_logout_redirect_uri', this.config.redirectUri); // OIDC RP-initiated logout's
      this.go(url.toString());
    }
  }

  private save(s: StoredSession): void {
    this.session = s;
    this.identity = identityOf(s.token);
    this.storage.setItem(SESSION_KEY, JSON.stringify(s));
  }

  private clear(): void {
    this.session = null;
    this.identity = null;
    this.storage.removeItem(SESSION_KEY);
  }
}
