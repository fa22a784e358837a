/**
 * Deploy-time settings of the Parley stack, read once from CDK context (`-c key=value`, `cdk.json` or
 * `new App({ context })`) and validated so a typo fails `cdk synth` instead of a deployment.
 * Every option is documented for ops in docs/DEPLOY.md ("Context options").
 */
import * as path from 'node:path';
import type { Node } from 'constructs';
import * as v from 'valibot';
import { DEFAULT_CONNECTION_TTL_HOURS, DEFAULT_MAX_CONNECTIONS_PER_USER, DEFAULT_RATES } from '../lambdas/contract/limits';
import { DEFAULT_STAGE, defaultEventBusName } from './names';
import { DEFAULT_EVENT_BUS_NAME } from './wiring';

/** Repository root: lib/.. */
export const PROJECT_ROOT = path.resolve(__dirname, '..');

export type AuthSettings =
  | {
      mode: 'cognito';
      /** Hosted UI domain prefix; default derived from the stack id (unique per stack). */
      domainPrefix?: string;
      selfSignUp: boolean;
      /** Callback/logout URLs beyond the CloudFront URL and the extra origins. */
      extraCallbackUrls: string[];
      /** Send the pool's e-mail through Amazon SES (lib/user-pool-email.ts) instead of Cognito's 50-a-day default. */
      ses?: { fromEmail: string; verifiedDomain?: string };
    }
  | {
      mode: 'oidc';
      /** Exactly as typed: tokens' `iss` must equal it character for character (Auth0's ends in /). */
      issuer: string;
      audience: string[];
      /** Configured signing-key address; undefined = the issuer's discovery document says. */
      jwksUri?: string;
      /** Configured endpoints for the web client; a missing one comes from the discovery document. */
      endpoints: { authorization?: string; token?: string; endSession?: string };
      clientId: string;
      scopes: string[];
    };

export interface ParleyConfig {
  /** Stage name: API Gateway stage, part of the stack name and of the Cognito domain. */
  stage: string;
  /** Default "parley" for the default stage, "parley-<stage>" for others. */
  eventBusName: string;
  /** Days the bus archive keeps events for replay (0 = for ever). */
  eventArchiveDays: number;
  auth: AuthSettings;
  /** Browser origins allowed besides the CloudFront URL (HTTP API CORS, WebSocket Origin allowlist). */
  extraOrigins: string[];
  alarmEmail?: string;
  /** "<count>/<seconds>" per user. */
  rateLimitSend: string;
  rateLimitTyping: string;
  rateLimitMarkRead: string;
  logRetentionDays: number;
  logLevel: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  /** retain: the PITR table, user pool and buckets survive `cdk destroy`; destroy: everything goes. */
  removalPolicy: 'retain' | 'destroy';
  /** Absolute path of the web client's build (index.html at its root). */
  webBuildDir: string;
  /** Run `npm run build:web` before synthesis (bin/parley.ts) when package.json has that script. */
  buildWeb: boolean;
  /** Stage-wide API Gateway throttling (both APIs). */
  throttleRateLimit: number;
  throttleBurstLimit: number;
  /**
   * Apply wiring's reservedConcurrency. Opt-in: Lambda refuses a reservation that leaves the account fewer than 100
   * unreserved executions, so reserving 10 fails the deploy on any account whose concurrency quota is under 110
   * (https://docs.aws.amazon.com/lambda/latest/dg/configuration-concurrency.html).
   */
  reservedConcurrency: boolean;
  /** Hours a connection row lives without a $disconnect. */
  connectionTtlHours: number;
  /** Live WebSocket connections per user; the next handshake is refused with 429. */
  maxConnectionsPerUser: number;
  /** Set API Gateway's regional CloudWatch Logs role (needed once per account/region for WebSocket access logs). */
  apiGatewayLogsRole: boolean;
  /**
   * PEM public key of the CloudFront key pair that signs attachment URLs. Set: images are served through the CDN at
   * `/files/*` (origin access control, signed URLs from this key's key group only). Unset (default): signed S3 URLs.
   */
  attachmentsCdnPublicKey?: string;
  /** Name of the SSM SecureString parameter holding the matching private key (PEM); ops create it. */
  attachmentsCdnPrivateKeyParameter: string;
}

/** CloudWatch Logs accepts only these retention periods. */
export const VALID_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

const RATE = /^\s*[1-9]\d*\s*\/\s*[1-9]\d*\s*$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export class ConfigError extends Error {
  constructor(message: string) {
    super(`Parley context: ${message} (see docs/DEPLOY.md, "Context options")`);
    this.name = 'ConfigError';
  }
}

type Lookup = (key: string) => unknown;

/** `value` checked by `schema`; the first problem is a ConfigError with the schema's own message. */
function valid<T>(schema: v.GenericSchema<unknown, T>, value: unknown): T {
  const result = v.safeParse(schema, value);
  if (!result.success) throw new ConfigError(result.issues[0].message);
  return result.output;
}

/** A string matching `pattern`; `message` names the option and what was given. */
const matching = (pattern: RegExp, message: (given: string) => string) =>
  v.pipe(
    v.string(),
    v.regex(pattern, (issue) => message(String(issue.input))),
  );
const oneOf = <const T extends string>(options: readonly T[], message: (given: string) => string) =>
  v.picklist(options, (issue) => message(String(issue.input)));
const email = (message: (given: string) => string) => matching(EMAIL, message);

/** The option's string checked by `schema`, or undefined when it is not set. */
function given<T>(get: Lookup, key: string, schema: v.GenericSchema<string, T>): T | undefined {
  const s = str(get, key);
  return s === undefined ? undefined : valid(schema, s);
}

const TRUE = ['true', 'yes', '1', 'on'];
const FALSE = ['false', 'no', '0', 'off'];

function str(get: Lookup, key: string): string | undefined {
  const raw = get(key);
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'string' && typeof raw !== 'number' && typeof raw !== 'boolean') {
    throw new ConfigError(`${key} must be a string`);
  }
  const s = String(raw).trim();
  return s === '' ? undefined : s;
}

/** A list given as a JSON array (cdk.json) or a comma-separated string (`-c key=a,b`). */
function list(get: Lookup, key: string): string[] {
  const raw = get(key);
  if (raw === undefined || raw === null || raw === '') return [];
  if (Array.isArray(raw)) return raw.map((x) => String(x).trim()).filter(Boolean);
  if (typeof raw !== 'string') throw new ConfigError(`${key} must be a list or a comma-separated string`);
  const s = raw.trim();
  if (s.startsWith('[')) {
    try {
      const parsed: unknown = JSON.parse(s);
      if (Array.isArray(parsed)) return parsed.map((x) => String(x).trim()).filter(Boolean);
    } catch {
      // fall through to comma splitting
    }
  }
  return s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean);
}

function bool(get: Lookup, key: string, fallback: boolean): boolean {
  const raw = get(key);
  if (raw === undefined || raw === null || raw === '') return fallback;
  if (typeof raw === 'boolean') return raw;
  const word = valid(oneOf([...TRUE, ...FALSE], () => `${key} must be true or false, got "${String(raw)}"`), String(raw).trim().toLowerCase());
  return TRUE.includes(word);
}

function int(get: Lookup, key: string, fallback: number, min: number, max: number): number {
  const s = str(get, key);
  if (s === undefined) return fallback;
  const message = `${key} must be an integer in ${min}..${max}, got "${s}"`;
  return valid(v.pipe(v.string(), v.transform(Number), v.integer(message), v.minValue(min, message), v.maxValue(max, message)), s);
}

function httpsUrl(key: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`${key} must be a URL, got "${value}"`);
  }
  if (u.protocol !== 'https:') throw new ConfigError(`${key} must be an https:// URL, got "${value}"`);
  if (u.search || u.hash) throw new ConfigError(`${key} must have no query or fragment, got "${value}"`);
  // Kept exactly as typed: an issuer is compared with `iss` character for character, trailing slash included.
  return value;
}

/**
 * A browser origin: scheme://host[:port], no path. http is allowed for development origins (with Cognito only
 * http://localhost, see cognitoRedirect).
 */
function origin(key: string, value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new ConfigError(`${key}: "${value}" is not an origin like https://app.example.com`);
  }
  if ((u.protocol !== 'https:' && u.protocol !== 'http:') || (u.pathname !== '/' && u.pathname !== '') || u.search) {
    throw new ConfigError(`${key}: "${value}" is not an origin like https://app.example.com (no path)`);
  }
  return u.origin;
}

/**
 * Cognito takes a callback or logout URL over plain http only for localhost ("Amazon Cognito requires HTTPS over HTTP
 * except for http://localhost for testing purposes only", CreateUserPoolClient CallbackURLs): anything else fails
 * the deploy, so it fails the synth here. 127.0.0.1 is not localhost to Cognito.
 */
function cognitoRedirect(key: string, url: string): string {
  if (new URL(url).protocol === 'http:' && new URL(url).hostname !== 'localhost') {
    throw new ConfigError(`${key}: "${url}" is not allowed: Cognito accepts http:// only for localhost (use https://, or http://localhost[:port])`);
  }
  return url;
}

function authSettings(get: Lookup): AuthSettings {
  const mode = valid(oneOf(['cognito', 'oidc'], (m) => `authMode must be "cognito" or "oidc", got "${m}"`), str(get, 'authMode') ?? 'cognito');
  if (mode === 'cognito') {
    const domainPrefixMessage = (given: string) =>
      `cognitoDomainPrefix must be lowercase letters, digits and hyphens without "aws", "amazon" or "cognito", got "${given}"`;
    const domainPrefix = given(
      get,
      'cognitoDomainPrefix',
      v.pipe(
        matching(/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/, domainPrefixMessage),
        v.check((p) => !/aws|amazon|cognito/.test(p), (issue) => domainPrefixMessage(String(issue.input))),
      ),
    );
    const sesFromEmail = given(get, 'cognitoSesFromEmail', email((s) => `cognitoSesFromEmail is not an e-mail address: "${s}"`));
    const sesVerifiedDomain = str(get, 'cognitoSesVerifiedDomain')?.toLowerCase();
    if (sesVerifiedDomain !== undefined && sesFromEmail?.split('@')[1].toLowerCase() !== sesVerifiedDomain) {
      throw new ConfigError(`cognitoSesVerifiedDomain must be the domain of cognitoSesFromEmail, got "${sesVerifiedDomain}"`);
    }
    return {
      mode,
      domainPrefix,
      selfSignUp: bool(get, 'cognitoSelfSignUp', false),
      ses: sesFromEmail ? { fromEmail: sesFromEmail, verifiedDomain: sesVerifiedDomain } : undefined,
      extraCallbackUrls: list(get, 'extraCallbackUrls').map((u) => {
        let url: string;
        try {
          url = new URL(u).toString();
        } catch {
          throw new ConfigError(`extraCallbackUrls: "${u}" is not a URL`);
        }
        return cognitoRedirect('extraCallbackUrls', url);
      }),
    };
  }
  const issuerRaw = str(get, 'oidcIssuer');
  if (!issuerRaw) throw new ConfigError('authMode=oidc needs oidcIssuer');
  const issuer = httpsUrl('oidcIssuer', issuerRaw);
  const audience = list(get, 'oidcAudience');
  if (audience.length === 0) throw new ConfigError('authMode=oidc needs oidcAudience (the client id your tokens carry in "aud")');
  // Unset endpoints come from the issuer's discovery document ({issuer}/.well-known/openid-configuration), read by
  // the WebSocket authorizer (jwks_uri), API Gateway's JWT authorizer and the web client at run time, never guessed.
  const opt = (key: string) => {
    const v = str(get, key);
    return v === undefined ? undefined : httpsUrl(key, v);
  };
  const scopes = list(get, 'oidcScopes');
  const endpoints = { authorization: opt('oidcAuthorizeUrl'), token: opt('oidcTokenUrl'), endSession: opt('oidcLogoutUrl') };
  return {
    mode,
    issuer,
    audience,
    jwksUri: opt('oidcJwksUri'),
    endpoints: Object.fromEntries(Object.entries(endpoints).filter(([, v]) => v !== undefined)),
    clientId: str(get, 'oidcClientId') ?? audience[0],
    scopes: scopes.length ? scopes.flatMap((s) => s.split(/\s+/)) : ['openid', 'profile', 'email'],
  };
}

/** Build the configuration from a lookup (a construct node's tryGetContext, or a plain object in tests). */
export function parseConfig(get: Lookup, projectRoot = PROJECT_ROOT): ParleyConfig {
  const stage = valid(matching(/^[a-z][a-z0-9-]{0,19}$/, (s) => `stage must match [a-z][a-z0-9-]{0,19}, got "${s}"`), str(get, 'stage') ?? DEFAULT_STAGE);

  // The contract's bus is "parley" unless configured; a second stage in the same account and region must not claim
  // the same bus, so stages other than the default one get "parley-<stage>" (docs/DEPLOY.md, "Several stages").
  const busMessage = (s: string) => `eventBusName must be 1-256 of [A-Za-z0-9._-] and not "default", got "${s}"`;
  const eventBusName = valid(
    v.pipe(matching(/^[A-Za-z0-9._-]{1,256}$/, busMessage), v.check((s) => s !== 'default', (issue) => busMessage(String(issue.input)))),
    str(get, 'eventBusName') ?? defaultEventBusName(stage, DEFAULT_EVENT_BUS_NAME),
  );

  const rate = (key: string, fallback: string) =>
    valid(matching(RATE, (s) => `${key} must be "<count>/<seconds>" like "30/10", got "${s}"`), str(get, key) ?? fallback);
  const rateLimitSend = rate('rateLimitSend', DEFAULT_RATES.sendMessage);
  const rateLimitTyping = rate('rateLimitTyping', DEFAULT_RATES.typing);
  const rateLimitMarkRead = rate('rateLimitMarkRead', DEFAULT_RATES.markRead);

  const logRetentionDays = valid(
    v.picklist(VALID_RETENTION_DAYS, (issue) => `logRetentionDays must be one of ${VALID_RETENTION_DAYS.join(', ')}, got ${String(issue.input)}`),
    int(get, 'logRetentionDays', 30, 1, 3653),
  );

  const logLevel = valid(oneOf(['DEBUG', 'INFO', 'WARN', 'ERROR'], () => `logLevel must be DEBUG, INFO, WARN or ERROR`), (str(get, 'logLevel') ?? 'INFO').toUpperCase());

  const removalPolicy = valid(
    oneOf(['retain', 'destroy'], (s) => `removalPolicy must be "retain" or "destroy", got "${s}"`),
    (str(get, 'removalPolicy') ?? 'retain').toLowerCase(),
  );

  const alarmEmail = given(get, 'alarmEmail', email((s) => `alarmEmail is not an e-mail address: "${s}"`));

  const throttleRateLimit = int(get, 'throttleRateLimit', 1000, 1, 100000);
  const throttleBurstLimit = int(get, 'throttleBurstLimit', 2000, 1, 100000);
  const connectionTtlHours = int(get, 'connectionTtlHours', DEFAULT_CONNECTION_TTL_HOURS, 3, 48);
  const maxConnectionsPerUser = int(get, 'maxConnectionsPerUser', DEFAULT_MAX_CONNECTIONS_PER_USER, 1, 100);

  const pem = /^-----BEGIN PUBLIC KEY-----\n[A-Za-z0-9+/=\n]+\n-----END PUBLIC KEY-----\n?$/;
  // A PEM given with -c on one line may carry its line breaks as literal "\n".
  const attachmentsCdnPublicKey = str(get, 'attachmentsCdnPublicKey')?.replace(/\\n/g, '\n');
  if (attachmentsCdnPublicKey !== undefined && !pem.test(attachmentsCdnPublicKey)) {
    throw new ConfigError('attachmentsCdnPublicKey must be a PEM public key (-----BEGIN PUBLIC KEY----- ... -----END PUBLIC KEY-----)');
  }
  const attachmentsCdnPrivateKeyParameter = valid(
    matching(/^\/[A-Za-z0-9_.\-/]{1,1010}$/, (s) => `attachmentsCdnPrivateKeyParameter must be an SSM parameter name like /parley/prod/key, got "${s}"`),
    str(get, 'attachmentsCdnPrivateKeyParameter') ?? `/parley/${stage}/attachments-cdn-private-key`,
  );

  const auth = authSettings(get);
  const extraOrigins = [...new Set(list(get, 'extraOrigins').map((o) => origin('extraOrigins', o)))];
  // With Cognito every extra origin is also a callback and logout URL of the app client (lib/parley-stack.ts).
  if (auth.mode === 'cognito') extraOrigins.forEach((o) => cognitoRedirect('extraOrigins', o));

  return {
    stage,
    eventBusName,
    eventArchiveDays: int(get, 'eventArchiveDays', 30, 0, 3650),
    auth,
    extraOrigins,
    alarmEmail,
    rateLimitSend: rateLimitSend.replace(/\s+/g, ''),
    rateLimitTyping: rateLimitTyping.replace(/\s+/g, ''),
    rateLimitMarkRead: rateLimitMarkRead.replace(/\s+/g, ''),
    logRetentionDays,
    logLevel,
    removalPolicy,
    webBuildDir: path.resolve(projectRoot, str(get, 'webBuildDir') ?? 'web/dist'),
    // A custom webBuildDir is somebody else's build: only the default web/dist is (re)built by us.
    buildWeb: str(get, 'webBuildDir') === undefined && bool(get, 'buildWeb', true),
    throttleRateLimit,
    throttleBurstLimit,
    reservedConcurrency: bool(get, 'reservedConcurrency', false),
    connectionTtlHours,
    maxConnectionsPerUser,
    apiGatewayLogsRole: bool(get, 'apiGatewayLogsRole', true),
    attachmentsCdnPublicKey,
    attachmentsCdnPrivateKeyParameter,
  };
}

/** The configuration from a construct's CDK context. */
export function configFromContext(node: Node): ParleyConfig {
  return parseConfig((key) => node.tryGetContext(key));
}
