/**
 * JWT verification with aws-jwt-verify (RS256/ES256 from the issuer's JWKS). The same code runs in the cloud
 * (Cognito or any OIDC issuer) and locally (the dev issuer). JWKS are fetched with the platform `fetch`, which also
 * reaches the local issuer's http:// JWKS; unknown `kid`s are refetched at most once per penalty window.
 */
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import { SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
import type { JwtPayload } from 'aws-jwt-verify/jwt-model';
import { LIMITS } from '../core/model';
import { config, once } from '../shared/config';

export interface Identity {
  userId: string;
  name: string;
}

export interface TokenVerifier {
  verify(token: string): Promise<Identity>;
}

const fetcher = {
  async fetch(uri: string): Promise<ArrayBuffer> {
    const res = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`JWKS fetch failed with HTTP ${res.status}`);
    return res.arrayBuffer();
  },
};

/** Display name: `name`, else `preferred_username`, else `cognito:username`, else the `sub`. */
export function identityFromClaims(payload: JwtPayload): Identity {
  const sub = payload.sub;
  if (typeof sub !== 'string' || !LIMITS.userId.test(sub)) throw new Error('token has no usable sub');
  const pick = (k: string) => {
    const v = payload[k];
    return typeof v === 'string' && v.trim() ? v.trim() : undefined;
  };
  const name = pick('name') ?? pick('preferred_username') ?? pick('cognito:username') ?? sub;
  return { userId: sub, name: name.slice(0, 100) };
}

export function createTokenVerifier(settings: { issuer: string; audience: string[]; jwksUri: string }): TokenVerifier {
  const verifier = JwtVerifier.create(
    {
      issuer: settings.issuer,
      audience: settings.audience.length ? settings.audience : null,
      jwksUri: settings.jwksUri,
    },
    { jwksCache: new SimpleJwksCache({ fetcher, penaltyBox: new SimplePenaltyBox({ waitSeconds: 10 }) }) },
  );
  return {
    async verify(token: string) {
      const payload = await verifier.verify(token);
      return identityFromClaims(payload);
    },
  };
}

/** The container-wide verifier, built from the environment at first use. */
export const tokenVerifier = once(() => createTokenVerifier(config.jwt()));
