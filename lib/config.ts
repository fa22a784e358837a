/**
 * Deploy-time settings of the Parley stack, read once from CDK context (`-c key=value`, `cdk.json` or
 * `new App({ context })`) and validated so a typo fails `cdk synth` instead of a deployment.
 * Every option is documented for ops in docs/DEPLOY.md ("Context options").
 */
import * as path from 'node:path';
import type { Node } from 'constructs';
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

function str(get: Lookup, key: string): string | undefined {
  const v = get(key);
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') {
    throw new ConfigError(`${key} must be a string`);
  }
  const s = String(v).trim();
  return s === '' ? undefined : s;
}

/** A list given as a JSON array (cdk.json) or a comma-separated string (`-c key=a,b`). */
function list(get: Lookup, key: string): string[] {
  const v = get(key);
  if (v === undefined || v === null || v === '') return [];
  if (Array.isArray(v)) return v.map((x) => String(x).trim()).filter(Boolean);
  if (typeof v !== 'string') throw new ConfigError(`${key} must be a list or a comma-separated string`);
  const s = v.trim();
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
  const v = get(key);
  if (v === undefined || v === null || v === '') return fallback;
  if (typeof v === 'boolean') return v;
  const s = String(v).trim().toLowerCase();
  if (['true', 'yes', '1', 'on'].includes(s)) return true;
  if (['false', 'no', '0', 'off'].includes(s)) return false;
  throw new ConfigError(`${key} must be true or false, got "${String(v)}"`);
}

function int(get: Lookup, key: string, fallback: number, min: number, max: number): number {
  const s = str(get, key);
  if (s === undefined) return fallback;
  const n = Number(s);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(`${key} must be an integer in ${min}..${max}, got "${s}"`);
  return n;
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
  const mode = str(get, 'authMode') ?? 'cognito';
  if (mode === 'cognito') {
    const domainPrefix = str(get, 'cognitoDomainPrefix');
    if (domainPrefix !== undefined && (!/^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/.test(domainPrefix) || /aws|amazon|cognito/.test(domainPrefix))) {
      throw new ConfigError(
        `cognitoDomainPrefix must be lowercase letters, digits and hyphens without "aws", "amazon" or "cognito", got "${domainPrefix}"`,
      );
    }
    const sesFromEmail = str(get, 'cognitoSesFromEmail');
    if (sesFromEmail !== undefined && !EMAIL.test(sesFromEmail)) {
      throw new ConfigError(`cognitoSesFromEmail is not an e-mail address: "${sesFromEmail}"`);
    }
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
  if (mode !== 'oidc') throw new ConfigError(`authMode must be "cognito" or "oidc", got "${mode}"`);
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
  const stage = str(get, 'stage') ?? DEFAULT_STAGE;
  if (!/^[a-z][a-z0-9-]{0,19}$/.test(stage)) throw new ConfigError(`stage must match [a-z][a-z0-9-]{0,19}, got "${stage}"`);

  // The contract's bus is "parley" unless configured; a second stage in the same account and region must not claim
  // the same bus, so stages other than the default one get "parley-<stage>" (docs/DEPLOY.md, "Several stages").
  const eventBusName = str(get, 'eventBusName') ?? defaultEventBusName(stage, DEFAULT_EVENT_BUS_NAME);
  if (!/^[A-Za-z0-9._-]{1,256}$/.test(eventBusName) || eventBusName === 'default') {
    throw new ConfigError(`eventBusName must be 1-256 of [A-Za-z0-9._-] and not "default", got "${eventBusName}"`);
  }

  const rateLimitSend = str(get, 'rateLimitSend') ?? '30/10';
  const rateLimitTyping = str(get, 'rateLimitTyping') ?? '10/10';
  const rateLimitMarkRead = str(get, 'rateLimitMarkRead') ?? '30/10';
  for (const [k, v] of [
    ['rateLimitSend', rateLimitSend],
    ['rateLimitTyping', rateLimitTyping],
    ['rateLimitMarkRead', rateLimitMarkRead],
  ]) {
    if (!RATE.test(v)) throw new ConfigError(`${k} must be "<count>/<seconds>" like "30/10", got "${v}"`);
  }

  const logRetentionDays = int(get, 'logRetentionDays', 30, 1, 3653);
  if (!(VALID_RETENTION_DAYS as readonly number[]).includes(logRetentionDays)) {
    throw new ConfigError(`logRetentionDays must be one of ${VALID_RETENTION_DAYS.join(', ')}, got ${logRetentionDays}`);
  }

  const logLevel = (str(get, 'logLevel') ?? 'INFO').toUpperCase();
  if (!['DEBUG', 'INFO', 'WARN', 'ERROR'].includes(logLevel)) throw new ConfigError(`logLevel must be DEBUG, INFO, WARN or ERROR`);

  const removalPolicy = (str(get, 'removalPolicy') ?? 'retain').toLowerCase();
  if (removalPolicy !== 'retain' && removalPolicy !== 'destroy') {
    throw new ConfigError(`removalPolicy must be "retain" or "destroy", got "${removalPolicy}"`);
  }

  const alarmEmail = str(get, 'alarmEmail');
  if (alarmEmail !== undefined && !EMAIL.test(alarmEmail)) {
    throw new ConfigError(`alarmEmail is not an e-mail address: "${alarmEmail}"`);
  }

  const throttleRateLimit = int(get, 'throttleRateLimit', 1000, 1, 100000);
  const throttleBurstLimit = int(get, 'throttleBurstLimit', 2000, 1, 100000);
  const connectionTtlHours = int(get, 'connectionTtlHours', 3, 3, 48);
  const maxConnectionsPerUser = int(get, 'maxConnectionsPerUser', 10, 1, 100);

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
    logLevel: logLevel as ParleyConfig['logLevel'],
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
  };
}

/** The configuration from a construct's CDK context. */
export function configFromContext(node: Node): ParleyConfig {
  return parseConfig((key) => node.tryGetContext(key));
}
