/**
 * Token forgery kit for the security tests. An attacker has no access to the issuer's private key, so every forged
 * token here is made with keys this module generates (node:crypto — `jose` is ESM-only and jest's CommonJS runtime
 * on Node 20 cannot load it). `startJwksServer` serves a JWKS over plain http and counts how often it is fetched,
 * so tests can prove there is no JWKS fetch storm.
 */
import { createHmac, generateKeyPairSync, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SigningKey {
  kid: string;
  alg: 'RS256' | 'ES256';
  privateKey: KeyObject;
  publicKey: KeyObject;
  /** The public JWK as an issuer would publish it. */
  jwk: JsonWebKey & { kid: string; alg: string; use: string };
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

export function rsaKey(kid = `rsa-${randomUUID()}`): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, alg: 'RS256', privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'RS256', use: 'sig' } };
}

export function ecKey(kid = `ec-${randomUUID()}`): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { kid, alg: 'ES256', privateKey, publicKey, jwk: { ...publicKey.export({ format: 'jwk' }), kid, alg: 'ES256', use: 'sig' } };
}

export type Claims = Record<string, unknown>;

/** Standard claims for `sub`, valid for an hour from now. */
export function claims(iss: string, aud: string, sub: string, more: Claims = {}): Claims {
  const now = Math.floor(Date.now() / 1000);
  return { iss, aud, sub, iat: now, exp: now + 3600, jti: randomUUID(), ...more };
}

function encode(header: Record<string, unknown>, payload: Claims): string {
  return `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
}

/** A correctly signed token (RS256 or ES256 per the key); `header` adds to / overrides the default header. */
export function signJwt(key: SigningKey, payload: Claims, header: Record<string, unknown> = {}): string {
  const input = encode({ alg: key.alg, typ: 'JWT', kid: key.kid, ...header }, payload);
  const signature =
    key.alg === 'RS256'
      ? sign('sha256', Buffer.from(input), key.privateKey)
      : sign('sha256', Buffer.from(input), { key: key.privateKey, dsaEncoding: 'ieee-p1363' });
  return `${input}.${b64url(signature)}`;
}

/** `alg: none`, no signature (the classic downgrade). */
export function unsignedJwt(payload: Claims, kid?: string): string {
  return `${encode({ alg: 'none', typ: 'JWT', ...(kid ? { kid } : {}) }, payload)}.`;
}

/**
 * HS256 "signed" with the issuer's PUBLIC key as the HMAC secret (the RS256→HS256 key-confusion attack): a verifier
 * that trusted the header's `alg` would accept it. Tried with the PEM text, which is what naive libraries use.
 */
export function hs256WithPublicKey(publicKey: KeyObject, kid: string, payload: Claims): string {
  const input = encode({ alg: 'HS256', typ: 'JWT', kid }, payload);
  const secret = publicKey.export({ type: 'spki', format: 'pem' });
  return `${input}.${b64url(createHmac('sha256', secret).update(input).digest())}`;
}

/** Keep the header and signature of a real token, swap in other claims (e.g. another `sub`). */
export function swapPayload(token: string, change: (c: Claims) => Claims): string {
  const [h, p, s] = token.split('.');
  const payload = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Claims;
  return `${h}.${b64url(JSON.stringify(change(payload)))}.${s}`;
}

export function decodePayload(token: string): Claims {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as Claims;
}

export interface JwksServer {
  /** The JWKS URL (http://127.0.0.1:<port>/jwks.json). */
  url: string;
  /** Number of GETs of the JWKS so far. */
  readonly fetches: number;
  reset(): void;
  /** Make the JWKS endpoint answer 503 (the issuer is down) until set back to false. */
  setDown(down: boolean): void;
  stop(): Promise<void>;
}

/** Serves `{ keys: keys() }` at /jwks.json on 127.0.0.1 and counts the fetches. `keys` is read per request. */
export async function startJwksServer(keys: () => JsonWebKey[]): Promise<JwksServer> {
  let fetches = 0;
  let down = false;
  const server = http.createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/jwks.json') {
      fetches++;
      if (down) {
        res.writeHead(503, { 'content-type': 'text/plain' }).end('down');
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: keys() }));
      return;
    }
    res.writeHead(404).end();
  });
  server.keepAliveTimeout = 100;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    get fetches() {
      return fetches;
    },
    reset() {
      fetches = 0;
    },
    setDown(d) {
      down = d;
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
