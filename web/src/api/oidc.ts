/**
 * Sign-in with an OpenID Provider, on oidc-client-ts's protocol core (`OidcClient`): discovery, the authorization
 * request with PKCE (S256), state and nonce, the code exchange, the refresh-token grant and the end-session URL.
 * docs/WEB.md says why this library and why only its core (not its `UserManager`).
 *
 * What this file adds, because the library does not do it:
 * - the discovery URL is `{issuer without a final "/"}/.well-known/openid-configuration` (OIDC Discovery §4), and
 *   the document's `issuer` must be exactly ours (§4.3) — the library never compares them;
 * - endpoints given in config.json win; with authorization and token both given there is no discovery at all
 *   (Cognito: its document has no end-session endpoint, its hosted UI's `/logout` is configured instead);
 * - the ID token's `iss` must be our issuer and its `aud` our client id (OIDC Core §3.1.3.7; the library only checks
 *   `sub`, `nonce` and, on refresh, that it is the same user) — the stack's authorizers would refuse it anyway, but
 *   the user would only see a sign-in that loops;
 * - an authorization response's `iss` parameter (RFC 9207), when the provider sends one, must be our issuer;
 * - Cognito's `/logout` wants `client_id` + `logout_uri`, not RP-Initiated Logout's parameters.
 */
import { ErrorResponse, ErrorTimeout, OidcClient, WebStorageStateStore, type IdTokenClaims, type OidcMetadata, type RefreshState } from 'oidc-client-ts';
import type { WebConfig } from '../types';
import { KeyedError } from '../lib/keyed';
import { AuthError, decodeJwt } from './identity';

export type OidcAuthConfig = Extract<WebConfig['auth'], { mode: 'oidc' }>;

/** What a sign-in or a renewal gives the app. */
export interface OidcTokens {
  /** The bearer token for REST and the WebSocket: its `aud` is our client id, which the authorizers check. */
  idToken: string;
  refreshToken?: string;
  /** The scopes granted (sent again with a refresh, as the library does). */
  scope?: string;
}

/** Where the library keeps sign-in state (PKCE verifier, state, nonce) between leaving for the provider and coming back. */
export const STATE_PREFIX = 'parley.oidc.';

export const discoveryUrl = (issuer: string): string => `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;

/** A Cognito user pool's issuer (what lib/auth.ts configures in Cognito mode). */
export const isCognitoIssuer = (issuer: string): boolean => /^https:\/\/cognito-idp\.[a-z0-9-]+\.amazonaws\.com\/[\w-]+$/.test(issuer);

/** A failure worth retrying later (the provider can't be reached, or answered 5xx), as opposed to a refusal. */
export class ProviderUnavailable extends KeyedError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'auth.unreachable', {}, options);
    this.name = 'ProviderUnavailable';
  }
}

function randomNonce(): string {
  const bytes = new Uint8Array(16);
  crypto.getRandomValues(bytes);
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}

/**
 * The library's errors as ours: the provider's OAuth error (`invalid_grant`: the refresh token expired or was
 * revoked) and any validation failure are refusals (AuthError); no answer, a timeout, a 5xx or the provider's own
 * `server_error` / `temporarily_unavailable` are not (try again later).
 */
function asOurs(err: unknown, what: string, key: string): Error {
  if (err instanceof AuthError || err instanceof ProviderUnavailable) return err;
  // `key`'s message has a {reason}: the provider's or the library's own (English) words.
  const refused = (reason: string) => new AuthError(`${what}: ${reason}`, { cause: err, key, params: { reason } });
  if (err instanceof ErrorResponse && !/^(server_error|temporarily_unavailable)$/.test(err.error ?? '')) {
    return refused(err.error_description || err.error || 'refused');
  }
  if (err instanceof ErrorResponse || err instanceof TypeError || err instanceof ErrorTimeout || (err instanceof Error && /\(5\d\d\)/.test(err.message))) {
    return new ProviderUnavailable('The sign-in provider cannot be reached. Please try again.', { cause: err });
  }
  return refused(err instanceof Error ? err.message : String(err));
}

export class OidcFlow {
  private readonly client: OidcClient;
  private checked: Promise<void> | undefined;

  constructor(
    private readonly config: OidcAuthConfig,
    storage: Storage,
  ) {
    const e = config.endpoints ?? {};
    const given: Partial<OidcMetadata> = {
      ...(e.authorization ? { authorization_endpoint: e.authorization } : {}),
      ...(e.token ? { token_endpoint: e.token } : {}),
      ...(e.endSession ? { end_session_endpoint: e.endSession } : {}),
    };
    this.client = new OidcClient({
      // The library compares the authority stored with a sign-in's state to this one: it is our issuer, unchanged.
      authority: config.issuer,
      // Given explicitly: the library's own rule (authority + "/" unless it ends in one) happens to agree, but the
      // rule we follow is the spec's, not the library's.
      metadataUrl: discoveryUrl(config.issuer),
      // metadata: used as is, nothing fetched. metadataSeed: laid over the fetched document.
      ...(e.authorization && e.token ? { metadata: { issuer: config.issuer, ...given } } : { metadataSeed: given }),
      client_id: config.clientId,
      redirect_uri: config.redirectUri,
      post_logout_redirect_uri: config.redirectUri,
      scope: config.scopes.join(' '),
      response_type: 'code',
      // Per tab, like the tokens: two tabs can sign in as two people without mixing their PKCE verifiers.
      stateStore: new WebStorageStateStore({ store: storage, prefix: STATE_PREFIX }),
      // The ID token carries what the app shows (name); no userinfo round trip.
      loadUserInfo: false,
      requestTimeoutInSeconds: 20,
    });
  }

  /** The provider's metadata, checked once (and again after a failure) before any use. */
  private provider(): Promise<void> {
    if (!this.checked) {
      const check = this.client.metadataService.getMetadata().then(
        (m) => {
          if (m.issuer !== this.config.issuer) {
            const params = { named: String(m.issuer), issuer: this.config.issuer };
            throw new AuthError(`The sign-in provider's discovery document names the issuer "${params.named}", not "${params.issuer}".`, { key: 'auth.discoveryIssuer', params });
          }
        },
        (err: unknown) => {
          throw asOurs(err, "The sign-in provider's discovery document is not usable", 'auth.discoveryUnusable');
        },
      );
      // A failed check is tried again next time (the provider may have been down).
      check.catch(() => (this.checked = undefined));
      this.checked = check;
    }
    return this.checked;
  }

  /** The provider's authorization URL for a new sign-in (state, nonce and PKCE verifier saved in this tab). */
  async signInUrl(data: { hash?: string } = {}): Promise<string> {
    await this.provider();
    try {
      return (await this.client.createSigninRequest({ state: data, nonce: randomNonce() })).url;
    } catch (err) {
      throw asOurs(err, 'Sign-in could not start', 'auth.startFailed');
    }
  }

  /** Finish a sign-in from the URL the provider sent the browser back to (`?code=&state=`). */
  async finish(url: string): Promise<OidcTokens & { data: { hash?: string } }> {
    const params = new URL(url).searchParams;
    const state = params.get('state');
    if (params.has('error')) {
      if (state) await this.client.settings.stateStore.remove(state.split(';')[0]!);
      // The provider's own words (English, from the provider) inside a translated sentence.
      const said = params.get('error_description') || params.get('error');
      throw said ? new AuthError(said, { key: 'auth.refused', params: { reason: said } }) : new AuthError('Sign-in failed.');
    }
    const iss = params.get('iss');
    if (iss !== null && iss !== this.config.issuer) throw new AuthError('The sign-in answer comes from another issuer; please sign in again.', { key: 'auth.otherIssuer' });
    await this.provider();
    let res;
    try {
      res = await this.client.processSigninResponse(url);
    } catch (err) {
      if (err instanceof Error && /state/i.test(err.message) && !(err instanceof ErrorResponse)) {
        throw new AuthError('The sign-in answer does not match a sign-in started in this tab; please sign in again.', { cause: err, key: 'auth.stateMismatch' });
      }
      throw asOurs(err, 'Sign-in failed', 'auth.failedBecause');
    }
    if (!res.id_token) throw new AuthError('Sign-in failed: the provider sent no ID token (is "openid" among the scopes?).', { key: 'auth.noIdToken' });
    this.checkIdToken(res.id_token);
    return { idToken: res.id_token, refreshToken: res.refresh_token, scope: res.scope, data: (res.userState ?? {}) as { hash?: string } };
  }

  /** A refresh-token grant. The new ID token must be for the same user (the library) and from our issuer (here). */
  async refresh(current: { idToken: string; refreshToken: string; scope?: string }): Promise<OidcTokens> {
    await this.provider();
    let res;
    try {
      res = await this.client.useRefreshToken({
        // RefreshState's shape (the class itself is not exported by the package's JavaScript, only its type).
        state: {
          refresh_token: current.refreshToken,
          id_token: current.idToken,
          session_state: null,
          scope: current.scope,
          profile: decodeJwt(current.idToken) as IdTokenClaims,
        } satisfies RefreshState,
      });
    } catch (err) {
      throw asOurs(err, 'Your session could not be renewed', 'auth.renewFailed');
    }
    // Without a new ID token the library hands back the old one: nothing was renewed that the stack would accept.
    if (!res.id_token || res.id_token === current.idToken) throw new AuthError('Your session could not be renewed: the provider sent no new ID token.', { key: 'auth.noNewIdToken' });
    this.checkIdToken(res.id_token);
    // Providers that don't rotate refresh tokens send none back: the one we have stays good.
    return { idToken: res.id_token, refreshToken: res.refresh_token ?? current.refreshToken, scope: res.scope ?? current.scope };
  }

  /**
   * Where to send the browser to end the session at the provider too, or undefined when it has no such endpoint.
   * OIDC RP-Initiated Logout: `id_token_hint` + `post_logout_redirect_uri`. Cognito's `/logout`: `client_id` +
   * `logout_uri` (it must be one of the app client's sign-out URLs: lib/auth.ts registers the redirect URIs).
   */
  async signOutUrl(idToken: string | undefined): Promise<string | undefined> {
    const endSession = this.config.endpoints?.endSession;
    if (endSession && isCognitoIssuer(this.config.issuer)) {
      const url = new URL(endSession);
      url.searchParams.set('client_id', this.config.clientId);
      url.searchParams.set('logout_uri', this.config.redirectUri);
      return url.href;
    }
    await this.provider();
    if (!(await this.client.metadataService.getEndSessionEndpoint())) return undefined;
    return (await this.client.createSignoutRequest({ id_token_hint: idToken, post_logout_redirect_uri: this.config.redirectUri })).url;
  }

  /** OIDC Core §3.1.3.7 (2, 3): issued by our issuer, for our client. */
  private checkIdToken(idToken: string): void {
    const c = decodeJwt(idToken);
    if (c.iss !== this.config.issuer) {
      const params = { iss: String(c.iss), issuer: this.config.issuer };
      throw new AuthError(`The ID token was issued by "${params.iss}", not by "${params.issuer}".`, { key: 'auth.wrongIssuer', params });
    }
    const aud = Array.isArray(c.aud) ? c.aud : [c.aud];
    if (!aud.includes(this.config.clientId)) throw new AuthError('The ID token is not meant for this app (its audience is another client).', { key: 'auth.wrongAudience' });
  }
}
