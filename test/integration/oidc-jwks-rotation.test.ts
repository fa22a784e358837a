/**
 * A provider that rotates its signing keys: new tokens carry a new `kid`, the old key stays published for a while.
 * Neither authorizer may need a restart: an unknown kid makes them fetch the JWKS again. (At most once per 10 s
 * penalty window, so a flood of made-up kids can't storm the provider: a rotation that lands within 10 s of such a
 * token is picked up when the window ends. The rotation test runs first here, before the contract's refusals
 * present foreign kids.)
 */
import { issuerContract, useOidcStack } from '../support/oidc-suite';

const suite = useOidcStack('bare');

it('after a key rotation, tokens signed with the new key work at once, and tokens of the old key still do', async () => {
  const before = await suite.idToken('carol');
  expect(await suite.verdict(before)).toEqual([101, 200, { items: [] }]); // the old key is now cached by both authorizers

  const newKid = await suite.provider.rotateKeys();
  const after = await suite.idToken('carol');
  const kidOf = (t: string) => JSON.parse(Buffer.from(t.split('.')[0], 'base64url').toString()).kid;
  expect(kidOf(after)).toBe(newKid);
  expect(kidOf(before)).not.toBe(newKid);

  expect(await suite.verdict(after)).toEqual([101, 200, { items: [] }]);
  expect(await suite.verdict(before)).toEqual([101, 200, { items: [] }]);
});

issuerContract(suite);
