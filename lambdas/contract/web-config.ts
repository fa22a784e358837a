/**
 * Runtime configuration the web client reads from `/config.json` (written by the local stack, lib/web-hosting.ts or
 * lib/auth.ts for CDK).
 */
export interface WebConfig {
  /** WebSocket URL without the token, e.g. ws://127.0.0.1:3000/ws or wss://abc.execute-api…/prod */
  wsUrl: string;
  /** Base URL the REST paths (/api/...) are appended to. */
  apiUrl: string;
  auth:
    | { mode: 'dev'; tokenUrl: string }
    | {
        mode: 'oidc';
        /**
         * The issuer exactly as its tokens' `iss` spell it (trailing slash and path kept). The client reads its
         * endpoints from `{issuer without a final /}/.well-known/openid-configuration` unless `endpoints` names them.
         */
        issuer: string;
        clientId: string;
        scopes: string[];
        /** Where the provider sends the browser back (and after sign-out): the web client's own URL. */
        redirectUri: string;
        /**
         * Endpoints known without discovery (configured by ops, or Cognito's hosted UI, whose logout is not in its
         * discovery document). When authorization and token are both given, the client does no discovery at all.
         */
        endpoints?: { authorization?: string; token?: string; endSession?: string };
      };
}
