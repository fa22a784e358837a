/**
 * An Auth0-style issuer: `http://127.0.0.1:<port>/` — the trailing slash is part of the issuer, and every token's
 * `iss` ends in it. A real OpenID Provider (oidc-provider) signs users in; the stack finds its keys through its
 * discovery document (at `/jwks`, not Auth0's path).
 */
import { issuerContract, useOidcStack, CLIENT_ID } from '../support/oidc-suite';

const suite = useOidcStack('slash');
issuerContract(suite);

it('the issuer is compared exactly: the same claims with the slash dropped from iss are refused', async () => {
  const now = Math.floor(Date.now() / 1000);
  const claims = { aud: CLIENT_ID, sub: 'alice', iat: now, exp: now + 600 };
  expect(suite.provider.issuer.endsWith('/')).toBe(true);
  expect((await suite.verdict(suite.provider.mint({ ...claims, iss: suite.provider.issuer })))[0]).toBe(101);
  expect(await suite.verdict(suite.provider.mint({ ...claims, iss: suite.provider.issuer.replace(/\/$/, '') }))).toEqual([403, 401, { message: 'Unauthorized' }]);
});
