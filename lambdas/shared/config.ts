/** Configuration from the environment: read once, fail fast on anything missing. */
import { DEFAULT_CONNECTION_TTL_HOURS, DEFAULT_MAX_CONNECTIONS_PER_USER, DEFAULT_RATES } from '../contract/limits';
import { ENV } from './env';

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
export const tableName = () => requireEnv(ENV.tableName);
export const connectionsTable = () => requireEnv(ENV.connectionsTable);
export const wsManagementEndpoint = () => requireEnv(ENV.wsManagementEndpoint);
export const jwt = () => ({
  issuer: requireEnv(ENV.jwtIssuer),
  audience: optionalEnv(ENV.jwtAudience, '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
  // Unset: the issuer's discovery document says where its keys are.
  jwksUri: process.env[ENV.jwksUri] || undefined,
});
export const allowedOrigins = () =>
  optionalEnv(ENV.allowedOrigins, '')
    .split(',')
    .map((s) => s.trim().replace(/\/+$/, ''))
    .filter(Boolean);
export const rateSendMessage = () => parseRate(optionalEnv(ENV.rateSendMessage, DEFAULT_RATES.sendMessage));
export const rateTyping = () => parseRate(optionalEnv(ENV.rateTyping, DEFAULT_RATES.typing));
export const rateMarkRead = () => parseRate(optionalEnv(ENV.rateMarkRead, DEFAULT_RATES.markRead));
export const rateUpload = () => parseRate(optionalEnv(ENV.rateUpload, DEFAULT_RATES.upload));
export const uploadsBucket = () => requireEnv(ENV.uploadsBucket);
export const connectionTtlSeconds = () => Math.round(Number(optionalEnv(ENV.connectionTtlHours, DEFAULT_CONNECTION_TTL_HOURS)) * 3600);
export const maxConnectionsPerUser = () => {
  const n = Number(optionalEnv(ENV.maxConnectionsPerUser, DEFAULT_MAX_CONNECTIONS_PER_USER));
  if (!Number.isInteger(n) || n < 1) throw new Error(`bad ${ENV.maxConnectionsPerUser} (expected a whole number >= 1)`);
  return n;
};
