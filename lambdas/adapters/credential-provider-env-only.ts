/**
 * Stand-in for `@aws-sdk/credential-provider-node` in the Lambda bundles: lib/functions.ts aliases that module to
 * this one (esbuild `alias`, declared in lib/bundling.ts). Never imported directly.
 *
 * On Lambda the execution role's credentials are ALWAYS in the environment (AWS_ACCESS_KEY_ID,
 * AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), so the SDK's default chain never gets past its first link (fromEnv).
 * The other links (SSO, ini files, credential_process, web identity, container/IMDS) are dead code there; this
 * module keeps the same exports and only the env link. Without credentials in the environment it fails at once
 * (CredentialsProviderError) instead of probing files or the instance metadata service. Never use it for code that
 * runs outside Lambda with a profile or an instance role: the local stack (`npm start`) and the tests run the
 * handlers unbundled, with the SDK's full chain. test/unit/perf-credentials.test.ts proves both behaviours.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

type Init = Parameters<typeof fromEnv>[0];

export const defaultProvider = (init: Init = {}) => fromEnv(init);

type Creds = { expiration?: Date } | undefined;
export const credentialsWillNeedRefresh = (credentials: Creds) => credentials?.expiration !== undefined;
export const credentialsTreatedAsExpired = (credentials: Creds) =>
  credentials?.expiration !== undefined && credentials.expiration.getTime() - Date.now() < 300000;
