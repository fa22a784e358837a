/**
 * The dev issuer (local only): an RS256 key pair made at start signs tokens for any user id.
 *   POST /dev/token {"userId","name"?,"expiresIn"?}  -> 200 {"token","expiresIn"} (5–86,400 s, default 3,600)
 *   GET  /dev/.well-known/jwks.json     -> the public key (kid = RFC 7638 thumbprint)
 *   GET  /dev/.well-known/openid-configuration, GET /dev/users (the demo users, for the sign-in page)
 * Tokens: iss http://127.0.0.1:<port>/dev, aud parley-local, sub = userId, name, iat, exp, jti.
 *
 * Signed with node:crypto rather than `jose`: jose 6 is ESM-only and jest's CommonJS runtime on Node 20 cannot
 * load it, while this module must run under jest too. Verification is done by the real aws-jwt-verify.
 */
import { createHash, generateKeyPairSync, randomUUID, sign, type JsonWebKey, type KeyObject } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { answerPreflight, corsHeaders, type OriginCheck } from './cors';
import { readBody, sendError, sendJson } from './http-util';

export const DEV_PREFIX = '/dev';
export const TOKEN_TTL_SECONDS = 3600;
/** Contract v1.1: tokens as short as 5 s (to try expiry and renewal locally) and as long as a day. */
export const TOKEN_TTL_RANGE = { min: 5, max: 86_400 } as const;
const USER_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_NAME = 100;

export interface DevIssuerOptions {
  issuer: string;
  audience: string;
  allowedOrigin: OriginCheck;
  users: () => unknown[];
}

export interface DevIssuer {
  issuer: string;
  audience: string;
  jwks: { keys: JsonWebKey[] };
  /** Sign a token for a user (validates like POST /dev/token; throws on bad input). */
  sign(userId: string, name?: string, expiresIn?: number): { token: string; expiresIn: number };
  handle(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<boolean>;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

function thumbprint(jwk: JsonWebKey): string {
  return b64url(createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n })).digest());
}

export class BadTokenRequest extends Error {}

export function validateTokenRequest(body: unknown): { userId: string; name?: string; expiresIn: number } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw new BadTokenRequest('body must be a JSON object {"userId","name"?,"expiresIn"?}');
  const { userId, name, expiresIn = TOKEN_TTL_SECONDS } = body as { userId?: unknown; name?: unknown; expiresIn?: unknown };
  if (typeof userId !== 'string' || !USER_ID.test(userId)) throw new BadTokenRequest('userId must be 1-64 characters of A-Z, a-z, 0-9, _ or -');
  if (name !== undefined && name !== null && (typeof name !== 'string' || name.length > MAX_NAME)) {
    throw new BadTokenRequest(`name must be a string of at most ${MAX_NAME} characters`);
  }
  if (typeof expiresIn !== 'number' || !Number.isInteger(expiresIn) || expiresIn < TOKEN_TTL_RANGE.min || expiresIn > TOKEN_TTL_RANGE.max) {
    throw new BadTokenRequest(`expiresIn must be a whole number of seconds, ${TOKEN_TTL_RANGE.min}-${TOKEN_TTL_RANGE.max}`);
  }
  const trimmed = typeof name === 'string' ? name.trim() : '';
  return trimmed ? { userId, name: trimmed, expiresIn } : { userId, expiresIn };
}

export function createDevIssuer(opts: DevIssuerOptions): DevIssuer {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 }) as { privateKey: KeyObject; publicKey: KeyObject };
  const jwk = publicKey.export({ format: 'jwk' });
  const kid = thumbprint(jwk);
  const jwks = { keys: [{ ...jwk, kid, alg: 'RS256', use: 'sig' }] };

  const signToken = (userId: string, name?: string, expiresIn?: number) => {
    const input = validateTokenRequest({ userId, name, expiresIn });
    const now = Math.floor(Date.now() / 1000);
    const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid }));
    const claims = {
      iss: opts.issuer,
      aud: opts.audience,
      sub: input.userId,
      ...(input.name ? { name: input.name } : {}),
      iat: now,
      exp: now + input.expiresIn,
      jti: randomUUID(),
    };
    const payload = b64url(JSON.stringify(claims));
    const signature = sign('sha256', Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
    return { token: `${header}.${payload}.${signature}`, expiresIn: input.expiresIn };
  };

  return {
    issuer: opts.issuer,
    audience: opts.audience,
    jwks,
    sign: signToken,
    async handle(req, res, pathname) {
      if (pathname !== DEV_PREFIX && !pathname.startsWith(`${DEV_PREFIX}/`)) return false;
      if (answerPreflight(req, res, opts.allowedOrigin)) return true;
      const cors = corsHeaders(req, opts.allowedOrigin);
      const route = `${req.method} ${pathname.replace(/\/+$/, '')}`;
      switch (route) {
        case 'POST /dev/token': {
          let body: unknown;
          try {
            body = JSON.parse((await readBody(req, 16 * 1024)).toString('utf8'));
          } catch {
            sendError(res, 400, 'BAD_REQUEST', 'body must be JSON {"userId","name"?,"expiresIn"?} of at most 16 KB', cors);
            return true;
          }
          try {
            const { userId, name, expiresIn } = validateTokenRequest(body);
            sendJson(res, 200, signToken(userId, name, expiresIn), { ...cors, 'cache-control': 'no-store' });
          } catch (err) {
            if (!(err instanceof BadTokenRequest)) throw err;
            sendError(res, 400, 'BAD_REQUEST', err.message, cors);
          }
          return true;
        }
        case 'GET /dev/.well-known/jwks.json':
          sendJson(res, 200, jwks, cors);
          return true;
        case 'GET /dev/.well-known/openid-configuration':
          sendJson(res, 200, { issuer: opts.issuer, jwks_uri: `${opts.issuer}/.well-known/jwks.json`, id_token_signing_alg_values_supported: ['RS256'] }, cors);
          return true;
        case 'GET /dev/users':
          sendJson(res, 200, { items: opts.users() }, cors);
          return true;
        default:
          sendError(res, 404, 'NOT_FOUND', `no dev endpoint ${route}`, cors);
          return true;
      }
    },
  };
}
