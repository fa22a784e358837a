// A real, certified OpenID Provider (the `oidc-provider` package, OpenID Certified™) on 127.0.0.1, for tests.
// Run by test/support/oidc-provider.ts with child_process.fork (oidc-provider is ESM-only; jest's CommonJS runtime
// can't load it, a child process can). Protocol over the IPC channel:
//   child -> parent  {type:'listening', port}         the HTTP server is up (the issuer can now be written down)
//   parent -> child  {type:'configure', issuer, clients, jwks, ttl}
//   child -> parent  {type:'ready'}                    the provider answers at `issuer`
//   parent -> child  {type:'configure', ...}            again: a new provider (new keys = key rotation) in place
//   child -> parent  {type:'grant', grantType, clientId} a token request was granted (authorization_code, refresh_token)
//   child -> parent  {type:'endSession', clientId}       a user confirmed sign-out at the end-session endpoint
// The issuer may end in "/" (Auth0-style) or carry a path (Keycloak-style /realms/<name>): requests under the
// issuer's path are handed to the provider with that prefix stripped, as when it is mounted in an app.
import * as http from 'node:http';
import Provider from 'oidc-provider';

let current; // { provider, prefix }

const server = http.createServer((req, res) => {
  if (!current) {
    res.writeHead(503).end('not configured');
    return;
  }
  const { provider, prefix } = current;
  const url = req.url ?? '/';
  if (prefix && url !== prefix && !url.startsWith(`${prefix}/`) && !url.startsWith(`${prefix}?`)) {
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not under the issuer');
    return;
  }
  if (prefix) {
    req.originalUrl = url;
    req.url = url.slice(prefix.length) || '/';
  }
  provider.callback()(req, res);
});

function build({ issuer, clients, jwks, ttl }) {
  const provider = new Provider(issuer, {
    clients,
    jwks,
    // Profile claims in the ID token itself (the web client and Parley read `name` from the token it sends).
    conformIdTokenClaims: false,
    claims: { openid: ['sub'], profile: ['name', 'preferred_username'] },
    findAccount: async (_ctx, sub) => ({
      accountId: sub,
      claims: async () => ({ sub, name: sub.charAt(0).toUpperCase() + sub.slice(1), preferred_username: sub }),
    }),
    // Public web clients renew with refresh tokens (rotated on every use), without having to ask for offline_access.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: true,
    features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
    pkce: { required: () => true },
    ttl: { IdToken: ttl?.idToken ?? 3600, AccessToken: ttl?.accessToken ?? 3600, RefreshToken: 86400, Session: 86400, Interaction: 600, Grant: 86400 },
    cookies: { keys: ['parley-test-cookie-key'] },
  });
  provider.proxy = false;
  // The provider's own warnings (dev interactions, default TTLs) are for humans running it, not for test output.
  provider.on('server_error', (_ctx, err) => process.send?.({ type: 'log', message: `server_error: ${err.message}` }));
  // What reached the token and end-session endpoints, for tests to assert on (e.g. that a client really renewed).
  provider.on('grant.success', (ctx) =>
    process.send?.({ type: 'grant', grantType: ctx.oidc.params?.grant_type, clientId: ctx.oidc.client?.clientId }),
  );
  provider.on('end_session.success', (ctx) => process.send?.({ type: 'endSession', clientId: ctx.oidc.client?.clientId }));
  const prefix = new URL(issuer).pathname.replace(/\/$/, '');
  return { provider, prefix };
}

process.on('message', (msg) => {
  if (msg?.type === 'configure') {
    try {
      current = build(msg);
      process.send?.({ type: 'ready' });
    } catch (err) {
      process.send?.({ type: 'error', message: err.message });
    }
  } else if (msg?.type === 'stop') {
    server.close();
    server.closeAllConnections?.();
    process.disconnect?.();
  }
});
process.on('disconnect', () => process.exit(0));

server.listen(Number(process.env.OIDC_PORT ?? 0), '127.0.0.1', () => {
  process.send?.({ type: 'listening', port: server.address().port });
});
