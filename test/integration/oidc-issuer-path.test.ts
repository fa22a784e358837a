/**
 * A Keycloak-style issuer with a realm path: `http://127.0.0.1:<port>/realms/parley`. Its discovery document lives
 * under that path, and so do its keys.
 */
import { issuerContract, useOidcStack } from '../support/oidc-suite';

const suite = useOidcStack('path');
issuerContract(suite);

it('the web client is told the issuer itself and discovers the rest', async () => {
  const cfg = (await (await fetch(`${suite.stack.url}/config.json`)).json()) as { auth: Record<string, unknown> };
  expect(cfg.auth).toEqual({ mode: 'oidc', issuer: suite.provider.issuer, clientId: 'parley-web', scopes: ['openid', 'profile'], redirectUri: `${suite.stack.url}/` });
});
