/**
 * A real OpenID Provider for tests: `oidc-provider` (OpenID Certified) in a child process on 127.0.0.1
 * (test/support/oidc/provider-server.mjs), with its own login and consent pages (dev interactions: any login, any
 * password; the login is the `sub`). Three shapes of issuer, as real providers spell them:
 *   'slash' -> http://127.0.0.1:<port>/            (Auth0: the issuer ends in "/")
 *   'path'  -> http://127.0.0.1:<port>/realms/parley (Keycloak: a realm path)
 *   'bare'  -> http://127.0.0.1:<port>
 * `signIn` walks the authorization code + PKCE flow through those pages with plain HTTP, the way a browser would;
 * `rotateKeys` publishes a new signing key in front of the old one (a key rotation: new tokens carry the new kid).
 * `events()` lists what the provider granted (code exchanges, refreshes) and the sign-outs users confirmed there.
 * The test holds the private keys, so it can also mint a token the provider's key signs but with bad claims
 * (expired), which the provider itself would never issue.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { createHash, createPrivateKey, generateKeyPairSync, randomBytes, randomUUID, sign, type JsonWebKey } from 'node:crypto';
import * as path from 'node:path';

export type IssuerShape = 'slash' | 'path' | 'bare';

export interface ClientDef {
  client_id: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
}

export interface PrivateJwk extends JsonWebKey {
  kid: string;
  alg: 'RS256';
  use: 'sig';
}

export interface ProviderConfig {
  clients: ClientDef[];
  tokenTtlSeconds?: number;
}

export interface Tokens {
  id_token: string;
  access_token: string;
  refresh_token?: string;
  expires_in: number;
}

/** One event at the provider: a granted token request, or a confirmed sign-out (end session). */
export interface ProviderEvent {
  type: 'grant' | 'endSession';
  /** For grants: 'authorization_code' or 'refresh_token'. */
  grantType?: string;
  clientId?: string;
}

export interface OidcProvider {
  issuer: string;
  port: number;
  /**
   * (Re)configure: the clients (redirect URIs are known only once the stack is up) and the lifetime of the ID and
   * access tokens it issues (default 3,600 s; short ones let a test watch a client renew).
   */
  configure(opts: ProviderConfig): Promise<void>;
  /** Publish a new key first (new tokens use it) and keep the old ones published. Returns the new kid. */
  rotateKeys(): Promise<string>;
  /** The keys currently published, private parts included (first one signs). */
  keys(): PrivateJwk[];
  /** Authorization code + PKCE through the provider's own login and consent pages. */
  signIn(opts: { clientId: string; redirectUri: string; login: string; scope?: string }): Promise<Tokens>;
  /** A refresh-token grant. */
  refresh(opts: { clientId: string; refreshToken: string }): Promise<Tokens>;
  /** A JWT signed with the provider's current key, with these claims (for claims it would never issue). */
  mint(claims: Record<string, unknown>): string;
  /** Granted token requests and confirmed sign-outs so far, oldest first (reported by the provider's own events). */
  events(): readonly ProviderEvent[];
  stop(): Promise<void>;
}

const SERVER = path.join(__dirname, 'oidc', 'provider-server.mjs');

export function newSigningKey(): PrivateJwk {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `k-${randomUUID().slice(0, 8)}`, alg: 'RS256', use: 'sig' };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** Cookies as a browser keeps them for one host (names only; the provider scopes paths, we send all: harmless). */
class CookieJar {
  private readonly cookies = new Map<string, string>();
  take(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const eq = pair.indexOf('=');
      const name = pair.slice(0, eq).trim();
      const value = pair.slice(eq + 1).trim();
      if (/expires=Thu, 01 Jan 1970/i.test(line) || value === '') this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
  }
  header(): string {
    return [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  }
}

export async function startOidcProvider(shape: IssuerShape = 'slash'): Promise<OidcProvider> {
  const child: ChildProcess = fork(SERVER, [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], env: { ...process.env, NODE_OPTIONS: '' } });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  const events: ProviderEvent[] = [];
  child.on('message', (msg: Record<string, unknown>) => {
    if (msg?.type === 'grant' || msg?.type === 'endSession') {
      events.push({ type: msg.type, grantType: msg.grantType as string | undefined, clientId: msg.clientId as string | undefined });
    }
  });
  const next = (type: string) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      const onMessage = (msg: Record<string, unknown>) => {
        if (msg?.type === type) {
          child.off('message', onMessage);
          child.off('exit', onExit);
          resolve(msg);
        } else if (msg?.type === 'error') {
          child.off('message', onMessage);
          child.off('exit', onExit);
          reject(new Error(`oidc-provider: ${String(msg.message)}`));
        }
      };
      const onExit = (code: number | null) => reject(new Error(`oidc-provider exited (${code}): ${stderr.slice(-2000)}`));
      child.on('message', onMessage);
      child.once('exit', onExit);
    });

  const { port } = (await next('listening')) as { port: number };
  const base = `http://127.0.0.1:${port}`;
  const issuer = shape === 'slash' ? `${base}/` : shape === 'path' ? `${base}/realms/parley` : base;
  let keys: PrivateJwk[] = [newSigningKey()];
  let last: ProviderConfig = { clients: [] };
  let discovery: Record<string, string> | undefined;

  const configure = async (opts: ProviderConfig) => {
    last = opts;
    const clients = opts.clients.map((c) => ({
      ...c,
      token_endpoint_auth_method: 'none',
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      application_type: 'web',
    }));
    const ready = next('ready');
    child.send({ type: 'configure', issuer, clients, jwks: { keys }, ttl: { idToken: opts.tokenTtlSeconds, accessToken: opts.tokenTtlSeconds } });
    await ready;
    discovery = undefined;
  };

  const endpoints = async () => {
    discovery ??= (await (await fetch(`${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    return discovery;
  };

  const tokenRequest = async (form: Record<string, string>): Promise<Tokens> => {
    const res = await fetch((await endpoints()).token_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(form).toString(),
    });
    const body = (await res.json()) as Tokens & { error?: string; error_description?: string };
    if (!res.ok) throw new Error(`token endpoint: ${res.status} ${body.error} ${body.error_description ?? ''}`);
    return body;
  };

  return {
    issuer,
    port,
    configure,
    async rotateKeys() {
      keys = [newSigningKey(), ...keys];
      await configure(last);
      return keys[0].kid;
    },
    keys: () => keys,
    events: () => events,
    async signIn({ clientId, redirectUri, login, scope = 'openid profile' }) {
      const jar = new CookieJar();
      const verifier = b64url(randomBytes(32));
      const state = b64url(randomBytes(12));
      const auth = new URL((await endpoints()).authorization_endpoint);
      for (const [k, v] of Object.entries({
        client_id: clientId,
        redirect_uri: redirectUri,
        response_type: 'code',
        scope,
        state,
        nonce: b64url(randomBytes(12)),
        code_challenge: b64url(createHash('sha256').update(verifier).digest()),
        code_challenge_method: 'S256',
      })) {
        auth.searchParams.set(k, v);
      }
      // Follow redirects by hand (cookies), answering the login form, then the consent form, until the provider
      // sends us back to the client with a code.
      let url = auth.toString();
      for (let step = 0; step < 12; step++) {
        const res = await fetch(url, { redirect: 'manual', headers: { cookie: jar.header() } });
        jar.take(res);
        const location = res.headers.get('location');
        if (location) {
          const target = new URL(location, url);
          if (target.href.startsWith(redirectUri) && (target.searchParams.has('code') || target.searchParams.has('error'))) {
            if (target.searchParams.get('state') !== state) throw new Error('state mismatch');
            const code = target.searchParams.get('code');
            if (!code) throw new Error(`authorization error: ${target.searchParams.get('error')} ${target.searchParams.get('error_description') ?? ''}`);
            return tokenRequest({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, client_id: clientId, code_verifier: verifier });
          }
          url = target.href;
          continue;
        }
        const html = await res.text();
        const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
        if (!action) throw new Error(`unexpected page at ${url} (${res.status}): ${html.slice(0, 300)}`);
        const prompt = /name="prompt" value="(\w+)"/.exec(html)?.[1];
        const form: Record<string, string> = prompt === 'login' ? { prompt, login, password: 'any' } : { prompt: prompt ?? 'consent' };
        const posted = await fetch(new URL(action.replace(/&amp;/g, '&'), url), {
          method: 'POST',
          redirect: 'manual',
          headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: jar.header() },
          body: new URLSearchParams(form).toString(),
        });
        jar.take(posted);
        const next2 = posted.headers.get('location');
        if (!next2) throw new Error(`form at ${url} answered ${posted.status} without a redirect`);
        url = new URL(next2, url).href;
      }
      throw new Error('sign-in did not come back to the client');
    },
    refresh: ({ clientId, refreshToken }) => tokenRequest({ grant_type: 'refresh_token', refresh_token: refreshToken, client_id: clientId }),
    mint(claims) {
      const key = keys[0];
      const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: key.kid }));
      const payload = b64url(JSON.stringify(claims));
      const signature = sign('sha256', Buffer.from(`${header}.${payload}`), createPrivateKey({ key: key as JsonWebKey, format: 'jwk' })).toString('base64url');
      return `${header}.${payload}.${signature}`;
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
