/**
 * The HTTP API's JWT authorizer, played locally exactly as API Gateway documents it ("Control access to HTTP APIs
 * with JWT authorizers", authorization workflow), so no REST function runs for a request API Gateway would refuse:
 *  1. the token is the identity source header (wiring HTTP_AUTHORIZER), alone or prefixed with "Bearer ";
 *  2. its signature is checked with the issuer's keys, found through the issuer's discovery document's `jwks_uri`;
 *     only RSA-based algorithms are supported (an ES256 token is refused, as in the cloud);
 *  3. `kid` must name a key of that set; `iss` must equal the configured issuer exactly; `aud` must hold one of the
 *     audiences — or, only when there is no `aud`, `client_id` must be one; `exp` must be in the future, `nbf` and
 *     `iat` in the past.
 * A refusal is 401 with API Gateway's own body `{"message":"Unauthorized"}`; a success hands the claims to the
 * function as API Gateway does: `requestContext.authorizer.jwt.claims` (every value a string: numbers and booleans
 * in their JSON spelling, arrays as "[a b]") and `scopes` (null unless the route requires scopes — Parley's don't).
 */
import { SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import { discover } from '../lambdas/adapters/oidc-discovery';
import { HTTP_AUTHORIZER } from '../lib/wiring';

export interface JwtAuthorizerSettings {
  issuer: string;
  audience: string[];
  /** Where the keys are; undefined = the issuer's discovery document (as API Gateway finds them). */
  jwksUri?: string;
}

export type JwtAuthorization =
  | { ok: true; authorizer: { jwt: { claims: Record<string, string>; scopes: string[] | null } }; principalId: string }
  | { ok: false; reason: string };

const RSA_ALGORITHMS = new Set(['RS256', 'RS384', 'RS512']);

/** `$request.header.Authorization` -> the header's lower-case name (headers reach us lower-cased). */
const IDENTITY_HEADER = HTTP_AUTHORIZER.identitySource.replace(/^\$request\.header\./, '').toLowerCase();

/** A claim as API Gateway passes it to the integration: always a string. */
function claimString(value: unknown): string {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return `[${value.map(claimString).join(' ')}]`;
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function stringifyClaims(payload: JwtPayload): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(payload)) out[k] = claimString(v);
  return out;
}

export interface JwtAuthorizer {
  authorize(headers: Record<string, string | undefined>): Promise<JwtAuthorization>;
}

export function createJwtAuthorizer(settings: JwtAuthorizerSettings): JwtAuthorizer {
  const audiences = new Set(settings.audience);
  let verifier: Promise<ReturnType<typeof build>> | undefined;
  const build = (jwksUri: string) =>
    JwtVerifier.create(
      {
        issuer: settings.issuer,
        // aws-jwt-verify checks `aud` only; API Gateway falls back to `client_id` when there is no `aud`.
        audience: null,
        jwksUri,
        customJwtCheck: ({ header, payload }) => {
          if (!RSA_ALGORITHMS.has(String(header.alg))) throw new Error(`algorithm ${String(header.alg)} is not RSA-based`);
          const aud = payload.aud === undefined ? undefined : Array.isArray(payload.aud) ? payload.aud : [payload.aud];
          const presented = aud ?? (typeof payload.client_id === 'string' ? [payload.client_id] : []);
          if (!presented.some((a) => audiences.has(a))) throw new Error('the token does not have a valid audience');
          const now = Date.now() / 1000;
          if (typeof payload.iat === 'number' && payload.iat > now) throw new Error('the token was issued in the future');
        },
      },
      { jwksCache: new SimpleJwksCache({ penaltyBox: new SimplePenaltyBox({ waitSeconds: 10 }), fetcher: { fetch: fetchBytes } }) },
    );
  const ready = () => {
    verifier ??= (settings.jwksUri ? Promise.resolve(settings.jwksUri) : discover(settings.issuer).then((d) => d.jwks_uri)).then(build);
    verifier.catch(() => (verifier = undefined));
    return verifier;
  };

  return {
    async authorize(headers) {
      const raw = headers[IDENTITY_HEADER];
      if (!raw || !raw.trim()) return { ok: false, reason: `no ${IDENTITY_HEADER} header` };
      const token = raw.trim().replace(/^Bearer\s+/i, '');
      try {
        const payload = await (await ready()).verify(token);
        return { ok: true, authorizer: { jwt: { claims: stringifyClaims(payload), scopes: null } }, principalId: String(payload.sub ?? '') };
      } catch (err) {
        return { ok: false, reason: (err as Error).message };
      }
    },
  };
}

async function fetchBytes(uri: string): Promise<ArrayBuffer> {
  const res = await fetch(uri, { signal: AbortSignal.timeout(3000) });
  if (!res.ok) throw new Error(`JWKS fetch failed with HTTP ${res.status}`);
  return res.arrayBuffer();
}
