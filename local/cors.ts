/**
 * CORS the way an HTTP API's CORS configuration answers it: preflights are answered by the gateway itself, and
 * responses to an allowed Origin carry Access-Control-Allow-Origin. Locally the allowlist is the stack's own
 * origins plus PARLEY_ALLOWED_ORIGINS (the same list the WebSocket authorizer gets).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const CORS_ALLOW_HEADERS = 'authorization,content-type';
export const CORS_ALLOW_METHODS = 'GET,POST,DELETE';
export const CORS_MAX_AGE = '600';

export type OriginCheck = (origin: string) => boolean;

export function originAllowed(allowed: readonly string[]): OriginCheck {
  const set = new Set(allowed.map((o) => o.replace(/\/+$/, '')));
  return (origin) => set.has(origin.replace(/\/+$/, ''));
}

/** Headers to add to a response for this request's Origin (none when it isn't allowed). */
export function corsHeaders(req: IncomingMessage, allowed: OriginCheck): Record<string, string> {
  const origin = req.headers.origin;
  if (!origin || !allowed(origin)) return {};
  return { 'access-control-allow-origin': origin, vary: 'origin' };
}

/** Answer a CORS preflight (OPTIONS with Access-Control-Request-Method); false when the request isn't one. */
export function answerPreflight(req: IncomingMessage, res: ServerResponse, allowed: OriginCheck): boolean {
  if (req.method !== 'OPTIONS' || !req.headers['access-control-request-method']) return false;
  const base = corsHeaders(req, allowed);
  const headers = base['access-control-allow-origin']
    ? {
        ...base,
        'access-control-allow-methods': CORS_ALLOW_METHODS,
        'access-control-allow-headers': CORS_ALLOW_HEADERS,
        'access-control-max-age': CORS_MAX_AGE,
      }
    : {};
  res.writeHead(204, headers);
  res.end();
  return true;
}
