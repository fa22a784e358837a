/** Configuration from the environment: read once, fail fast on anything missing. */
import { DEFAULT_CONNECTION_TTL_HOURS, DEFAULT_MAX_CONNECTIONS_PER_USER, DEFAULT_RATES } from '../contract/limits';
import { ENV_ALLOWED_ORIGINS, ENV_CONNECTIONS_TABLE, ENV_CONNECTION_TTL_HOURS, ENV_JWKS_URI, ENV_JWT_AUDIENCE, ENV_JWT_ISSUER, ENV_MAX_CONNECTIONS_PER_USER, ENV_RATE_MARK_READ, ENV_RATE_SEND_MESSAGE, ENV_RATE_TYPING, ENV_RATE_UPLOAD, ENV_TABLE_NAME, ENV_UPLOADS_BUCKET, ENV_WS_MANAGEMENT_ENDPOINT } from './env';

export function requireEnv(name: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') throw new Error(`missing required environment variable ${name}`);
  return value;
}

export function optionalEnv(name: string, fallback: string | number): string {
  const value = process.env[name];
  return value === undefined || value === '' ? String(fallback) : value;
}

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

/** "30/10" -> 30 per 10 seconds. */
export function parseRate(text: string): RateLimit {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m || Number(m[1]) < 1 || Number(m[2]) < 1) throw new Error(`bad rate limit "${text}" (expected <count>/<seconds>)`);
  return { limit: Number(m[1]), windowSeconds: Number(m[2]) };
}

/** Memoise a factory: the value is built at first use and then shared for the life of the container. */
export function once<T>(factory: () => T): () => T {
  let value: T | undefined;
  let built = false;
  return () => {
    if (!built) {
      value = factory();
      built = true;
    }
    return value as T;
  };
}

/*
 * Each setting is its own export (callers `import * as config`), so a bundle keeps only the settings its handler
 * reads — an object of them all would ride along whole in every handler.
 */
export const tableName = () => requireEnv(ENV_TABLE_NAME);
export const connectionsTable = () => requireEnv(ENV_CONNECTIONS_TABLE);
export const wsManagementEndpoint = () => requireEnv(ENV_WS_MANAGEMENT_ENDPOINT);
export const jwt = () => ({
  issuer: requireEnv(ENV_JWT_ISSUER),
  audience: optionalEnv(ENV_JWT_AUDIENCE, '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  // Unset: the issuer's discovery document says where its keys are.
  jwksUri: process.env[ENV_JWKS_URI] || undefined,
});
export const allowedOrigins = () =>
  optionalEnv(ENV_ALLOWED_ORIGINS, '')
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
export const rateSendMessage = () => parseRate(optionalEnv(ENV_RATE_SEND_MESSAGE, DEFAULT_RATES.sendMessage));
export const rateTyping = () => parseRate(optionalEnv(ENV_RATE_TYPING, DEFAULT_RATES.typing));
export const rateMarkRead = () => parseRate(optionalEnv(ENV_RATE_MARK_READ, DEFAULT_RATES.markRead));
export const rateUpload = () => parseRate(optionalEnv(ENV_RATE_UPLOAD, DEFAULT_RATES.upload));
export const uploadsBucket = () => requireEnv(ENV_UPLOADS_BUCKET);
export const connectionTtlSeconds = () => Math.round(Number(optionalEnv(ENV_CONNECTION_TTL_HOURS, DEFAULT_CONNECTION_TTL_HOURS)) * 3600);
export const maxConnectionsPerUser = () => {
  const n = Number(optionalEnv(ENV_MAX_CONNECTIONS_PER_USER, DEFAULT_MAX_CONNECTIONS_PER_USER));
  if (!Number.isInteger(n) || n < 1) throw new Error(`bad ${ENV_MAX_CONNECTIONS_PER_USER} (expected a whole number >= 1)`);
  return n;
};
