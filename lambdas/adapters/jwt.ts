/**
 * JWT verification with aws-jwt-verify (RS256/ES256 from the issuer's JWKS) for the WebSocket authorizer. The same
 * code runs in the cloud (Cognito or any OIDC issuer) and locally (the dev issuer, or a real provider in tests).
 * The issuer is compared with `iss` exactly as configured (trailing slash and path included). The JWKS address is
 * configured (JWKS_URI) or read from the issuer's discovery document at first use — a failed discovery is not
 * remembered, so the next handshake tries again. JWKS are fetched with the platform `fetch`, which also reaches
 * http:// issuers on loopback; unknown `kid`s are refetched at most once per penalty window (key rotation).
 */
import { SimpleJwksCache, SimplePenaltyBox } from 'aws-jwt-verify/jwk';
import { JwtVerifier } from 'aws-jwt-verify/jwt-verifier';
import { identityFromClaims } from '../contract/identity';
import type { TokenVerifier } from '../edge/ws-authorizer';
import * as config from '../shared/config';
import { once } from '../shared/config';
import { discover, fetchJson, type FetchJson } from './oidc-discovery';

export interface TokenSettings {
  issuer: string;
  audience: string[];
  /** Where the signing keys are; undefined = the issuer's discovery document's `jwks_uri`. */
  jwksUri?: string;
}

const fetcher = {
  async fetch(uri: string): Promise<ArrayBuffer> {
    const res = await fetch(uri, { signal: AbortSignal.timeout(3000) });
    if (!res.ok) throw new Error(`JWKS fetch failed with HTTP ${res.status}`);
    return res.arrayBuffer();
  },
};

export function createTokenVerifier(settings: TokenSettings, get: FetchJson = fetchJson): TokenVerifier {
  let verifier: Promise<ReturnType<typeof build>> | undefined;
  const build = (jwksUri: string) =>
    JwtVerifier.create(
      { issuer: settings.issuer, audience: settings.audience.length ? settings.audience : null, jwksUri },
      { jwksCache: new SimpleJwksCache({ fetcher, penaltyBox: new SimplePenaltyBox({ waitSeconds: 10 }) }) },
    );
  const ready = () => {
    verifier ??= (settings.jwksUri ? Promise.resolve(settings.jwksUri) : discover(settings.issuer, get).then((d) => d.jwks_uri)).then(build);
    verifier.catch(() => (verifier = undefined));
    return verifier;
  };
  return {
    async verify(token: string) {
      const payload = await (await ready()).verify(token);
      return { ...identityFromClaims(payload), ...(typeof payload.exp === 'number' ? { exp: payload.exp } : {}) };
    },
  };
}

/** The container-wide verifier, built from the environment at first use. */
export const tokenVerifier = once(() => createTokenVerifier(config.jwt()));
