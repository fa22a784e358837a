/**
 * OIDC Discovery as the WebSocket authorizer and the local JWT authorizer use it: where the document is for each
 * shape of issuer, and which documents are refused (a document must name the issuer exactly, §4.3).
 */
import { createTokenVerifier } from '../../lambdas/adapters/jwt';
import { discover, discoveryUrl } from '../../lambdas/adapters/oidc-discovery';

describe('discovery', () => {
  it.each([
    ['https://tenant.auth0.com/', 'https://tenant.auth0.com/.well-known/openid-configuration'],
    ['https://kc.example.com/realms/parley', 'https://kc.example.com/realms/parley/.well-known/openid-configuration'],
    ['https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc', 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_abc/.well-known/openid-configuration'],
  ])('the document of %s is at %s', (issuer, url) => {
    expect(discoveryUrl(issuer)).toBe(url);
  });

  it("returns the document when it names the issuer exactly, and refuses one that doesn't (not even a slash apart)", async () => {
    const doc = { issuer: 'https://tenant.auth0.com/', jwks_uri: 'https://tenant.auth0.com/.well-known/jwks.json' };
    const seen: string[] = [];
    const get = async (url: string) => {
      seen.push(url);
      return doc;
    };
    await expect(discover('https://tenant.auth0.com/', get)).resolves.toEqual(doc);
    expect(seen).toEqual(['https://tenant.auth0.com/.well-known/openid-configuration']);
    await expect(discover('https://tenant.auth0.com', get)).rejects.toThrow(/names the issuer "https:\/\/tenant.auth0.com\/", not "https:\/\/tenant.auth0.com"/);
  });

  it('refuses a document without jwks_uri, or one that is not an object', async () => {
    await expect(discover('https://i.example', async () => ({ issuer: 'https://i.example' }))).rejects.toThrow(/no jwks_uri/);
    await expect(discover('https://i.example', async () => 'nope')).rejects.toThrow(/not a JSON object/);
  });

  it('a verifier whose discovery fails refuses tokens, and tries discovery again at the next token', async () => {
    let calls = 0;
    const verifier = createTokenVerifier({ issuer: 'https://i.example', audience: ['a'] }, async () => {
      calls++;
      throw new Error('unreachable');
    });
    await expect(verifier.verify('x.y.z')).rejects.toThrow('unreachable');
    await expect(verifier.verify('x.y.z')).rejects.toThrow('unreachable');
    expect(calls).toBe(2);
  });
});
