/**
 * OpenID Connect Discovery 1.0: an issuer publishes its endpoints at `{issuer}/.well-known/openid-configuration`
 * (a terminating `/` of the issuer removed before appending, §4.1 — so `https://tenant.auth0.com/` and Keycloak's
 * `https://kc.example.com/realms/parley` are both found), and that document's `issuer` must equal the issuer
 * exactly (§4.3): a document naming another issuer is refused rather than trusted.
 */

export interface DiscoveryDocument {
  issuer: string;
  jwks_uri: string;
  authorization_endpoint?: string;
  token_endpoint?: string;
  end_session_endpoint?: string;
}

export type FetchJson = (url: string) => Promise<unknown>;

export const discoveryUrl = (issuer: string): string => `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;

export class DiscoveryError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DiscoveryError';
  }
}

/** The platform fetch with a timeout: JSON of a 200 answer, else a DiscoveryError. */
export const fetchJson: FetchJson = async (url) => {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000), headers: { accept: 'application/json' } });
  if (!res.ok) throw new DiscoveryError(`GET ${url} answered HTTP ${res.status}`);
  return res.json();
};

export async function discover(issuer: string, get: FetchJson = fetchJson): Promise<DiscoveryDocument> {
  const url = discoveryUrl(issuer);
  const doc = (await get(url)) as Partial<DiscoveryDocument> | null;
  if (!doc || typeof doc !== 'object') throw new DiscoveryError(`${url} is not a JSON object`);
  if (doc.issuer !== issuer) {
    throw new DiscoveryError(`${url} names the issuer "${String(doc.issuer)}", not "${issuer}" (they must be equal, character for character)`);
  }
  if (typeof doc.jwks_uri !== 'string' || !doc.jwks_uri) throw new DiscoveryError(`${url} has no jwks_uri`);
  return doc as DiscoveryDocument;
}
