/**
 * Sign-in. Locally: the dev issuer (`POST tokenUrl {"userId","name"}`). In the cloud (or against a real provider
 * locally): OpenID Connect, authorization code + PKCE, through ./oidc.ts (oidc-client-ts). Either way the ID token
 * is the bearer token for REST and the `?token=` of the WebSocket URL (its `aud` is the client id, which the
 * stack's authorizers check).
 *
 * Tokens live in sessionStorage: per tab (two tabs can be two people), kept across a reload. A token is renewed
 * shortly before it expires — in the background while a session runs (`keepFresh`), and on use — and whenever the
 * server refuses it (the REST client's 401). Renewal: the dev issuer is simply asked again; OIDC uses the refresh
 * token. A renewal the provider refuses ends the session (AuthError); one that can't reach it is tried again.
 */
import type { WebConfig } from '../types';
import { AuthError, decodeJwt, identityOf, type Identity } from './identity';
import { OidcFlow, ProviderUnavailable } from './oidc';

export { AuthError, decodeJwt, identityOf, type Identity } from './identity';

interface StoredSession {
  token: string;
  /** Epoch ms: the token's own `exp` (OIDC), or now + expiresIn (dev issuer). */
  expiresAt: number;
  /** Epoch ms, when we got it: with expiresAt, the token's lifetime as this browser's clock sees it. */
  obtainedAt?: number;
  refreshToken?: string;
  /** The scopes granted (OIDC), sent again with a refresh. */
  scope?: string;
  /** Dev mode: what to ask the dev issuer for again. */
  dev?: { userId: string; name?: string };
}

const SESSION_KEY = 'parley.session';
/** Renew a token this long before it expires — or a quarter of its lifetime before, for short-lived tokens. */
const RENEW_MARGIN_MS = 60_000;
/** After a renewal that could not reach the issuer, try again this much later (if the token is still valid). */
const RETRY_RENEW_MS = 10_000;

export class Auth {
  identity: Identity | null = null;
  private session: StoredSession | null = null;
  private renewing: Promise<void> | undefined;
  private readonly oidc: OidcFlow | undefined;
  private fresh: { onLost: (err: AuthError) => void; onRenewed?: () => void; timer?: ReturnType<typeof setTimeout> } | undefined;

  constructor(
    private readonly config: WebConfig['auth'],
    private readonly storage: Storage = sessionStorage,
    /** The dev issuer's fetch (the OIDC library uses the global fetch). */
    private readonly doFetch: typeof fetch = (...a) => globalThis.fetch(...a),
    /** Leave the app for the provider's pages (a test passes a recorder). */
    private readonly go: (url: string) => void = (url) => window.location.assign(url),
  ) {
    this.oidc = config.mode === 'oidc' ? new OidcFlow(config, storage) : undefined;
  }

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

  /** Restore a session from this tab, or finish an OIDC redirect (`?code=&state=` or `?error=`). */
  async restore(location: Location = window.location): Promise<Identity | null> {
    if (this.oidc) {
      const params = new URLSearchParams(location.search);
      if (params.has('code') || params.has('error')) {
        const answer = location.href; // (a live Location changes with the next line)
        // Off the address bar first (a reload must not replay a used code), whatever happens next.
        history.replaceState(null, '', location.pathname + location.hash);
        const t = await this.oidc.finish(answer);
        this.save({ token: t.idToken, refreshToken: t.refreshToken, scope: t.scope, ...this.expiry(t.idToken) });
        if (t.data.hash) history.replaceState(null, '', location.pathname + t.data.hash);
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
    } catch (err) {
      if (err instanceof ProviderUnavailable) throw err; // signed in still; the provider is down
      this.clear();
      return null;
    }
  }

  async devSignIn(userId: string, name?: string): Promise<Identity> {
    if (this.config.mode !== 'dev') throw new AuthError('dev sign-in is only available locally', { key: 'auth.devOnly' });
    const res = await this.doFetch(this.config.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(name ? { userId, name } : { userId }),
    });
    const body = (await res.json().catch(() => ({}))) as { token?: string; expiresIn?: number; error?: { message?: string } };
    if (!res.ok || !body.token) {
      // The issuer's own sentence (English, from the server) is shown inside a translated one.
      const said = body.error?.message;
      throw said
        ? new AuthError(said, { key: 'auth.refused', params: { reason: said } })
        : new AuthError(`sign-in failed (HTTP ${res.status})`, { key: 'auth.http', params: { status: res.status } });
    }
    const now = Date.now();
    this.save({ token: body.token, expiresAt: now + (body.expiresIn ?? 3600) * 1000, obtainedAt: now, dev: { userId, name } });
    return this.identity!;
  }

  /** Go to the provider's sign-in page. After it, the provider sends the browser back here (see `restore`). */
  async startOidcSignIn(): Promise<void> {
    if (!this.oidc) throw new AuthError('no OIDC provider configured', { key: 'auth.noProvider' });
    // The page the user was on comes back with them (the redirect URI itself has no hash).
    const hash = typeof location !== 'undefined' && location.hash.length > 2 ? location.hash : undefined;
    this.go(await this.oidc.signInUrl(hash ? { hash } : {}));
  }

  /** When the current token is due for renewal (epoch ms), or undefined when signed out. */
  get renewDueAt(): number | undefined {
    const s = this.session;
    if (!s) return undefined;
    const lifetime = s.expiresAt - (s.obtainedAt ?? s.expiresAt - 3_600_000);
    return s.expiresAt - Math.min(RENEW_MARGIN_MS, Math.max(0, lifetime) / 4);
  }

  /** A valid token, renewed first when it is due. */
  async token(): Promise<string> {
    const s = this.session;
    if (!s) throw new AuthError('not signed in', { key: 'auth.signedOut' });
    if (Date.now() >= this.renewDueAt!) {
      try {
        await this.renew();
      } catch (err) {
        // The issuer is out of reach but the token has a little time left: use it.
        if (err instanceof AuthError || !this.session || Date.now() >= this.session.expiresAt) throw err;
      }
    }
    return this.session!.token;
  }

  /** Get a new token now (dev: ask the issuer again; OIDC: the refresh token). Concurrent callers share one. */
  renew(): Promise<void> {
    this.renewing ??= this.doRenew().finally(() => (this.renewing = undefined));
    return this.renewing;
  }

  private async doRenew(): Promise<void> {
    const s = this.session;
    if (!s) throw new AuthError('not signed in', { key: 'auth.signedOut' });
    try {
      if (s.dev) {
        await this.devSignIn(s.dev.userId, s.dev.name);
      } else if (s.refreshToken && this.oidc) {
        const t = await this.oidc.refresh({ idToken: s.token, refreshToken: s.refreshToken, scope: s.scope });
        if (this.session !== s) return; // signed out meanwhile
        this.save({ token: t.idToken, refreshToken: t.refreshToken, scope: t.scope, ...this.expiry(t.idToken) });
      } else {
        throw new AuthError('Your session has expired. Please sign in again.', { key: 'app.sessionExpired' });
      }
    } catch (err) {
      if (err instanceof AuthError && this.session === s) this.clear();
      throw err;
    }
  }

  /**
   * While a session runs: renew each token when it is due, without waiting for a request to need it (the WebSocket
   * uses its token only to connect). `onLost` hears of a renewal that was refused (the session is over).
   * Returns stop().
   */
  keepFresh(onLost: (err: AuthError) => void, onRenewed?: () => void): () => void {
    this.stopFresh();
    const fresh: NonNullable<Auth['fresh']> = { onLost, onRenewed };
    this.fresh = fresh;
    this.schedule();
    return () => {
      if (this.fresh === fresh) this.stopFresh();
    };
  }

  private schedule(delayMs?: number): void {
    const f = this.fresh;
    const due = this.renewDueAt;
    if (!f) return;
    clearTimeout(f.timer);
    f.timer = undefined;
    if (due === undefined) return;
    f.timer = setTimeout(
      () => {
        f.timer = undefined;
        this.renew().then(
          () => f.onRenewed?.(), // (save() scheduled the next one)
          (err: unknown) => {
            if (this.fresh !== f) return;
            if (err instanceof AuthError) f.onLost(err);
            else this.schedule(RETRY_RENEW_MS);
          },
        );
      },
      delayMs ?? Math.max(0, due - Date.now()),
    );
  }

  private stopFresh(): void {
    clearTimeout(this.fresh?.timer);
    this.fresh = undefined;
  }

  /**
   * Sign out: forget the tab's session, then (OIDC) end the session at the provider too, through its end-session
   * endpoint, which sends the browser back to the app. Without one (or when it can't be found) only this tab forgets.
   */
  async signOut(): Promise<void> {
    const idToken = this.session?.token;
    this.forget();
    if (!this.oidc) return;
    const url = await this.oidc.signOutUrl(idToken).catch(() => undefined);
    if (url) this.go(url);
  }

  /** Forget this tab's session only (e.g. it expired: the provider's own session may still sign the user straight in). */
  forget(): void {
    this.clear();
  }

  private expiry(idToken: string): Pick<StoredSession, 'expiresAt' | 'obtainedAt'> {
    const now = Date.now();
    const exp = Number(decodeJwt(idToken).exp);
    return { expiresAt: Number.isFinite(exp) && exp > 0 ? exp * 1000 : now + 3_600_000, obtainedAt: now };
  }

  private save(s: StoredSession): void {
    this.session = s;
    this.identity = identityOf(s.token);
    this.storage.setItem(SESSION_KEY, JSON.stringify(s));
    this.schedule();
  }

  private clear(): void {
    this.session = null;
    this.identity = null;
    this.storage.removeItem(SESSION_KEY);
    if (this.fresh) {
      clearTimeout(this.fresh.timer);
      this.fresh.timer = undefined;
    }
  }
}
