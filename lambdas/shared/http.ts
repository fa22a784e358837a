/**
 * The edge of every REST handler: bearer-token verification (the same verifier as the WebSocket authorizer),
 * JSON in/out, and typed errors -> `{"error":{"code","message"}}` with the contract's status. No stack traces.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { tokenVerifier, type Identity } from '../adapters/jwt';
import { toPublicError, unauthorized } from './errors';
import { logger } from './logger';

export interface HttpRequest {
  user: Identity;
  event: APIGatewayProxyEventV2;
  query: Record<string, string | undefined>;
  params: Record<string, string | undefined>;
}

export type HttpReply = { status: number; body?: unknown };

const HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

export const ok = (body: unknown): HttpReply => ({ status: 200, body });
export const noContent = (): HttpReply => ({ status: 204 });

function bearer(event: APIGatewayProxyEventV2): string {
  const header = event.headers?.authorization ?? event.headers?.Authorization;
  const match = header ? /^Bearer\s+(\S+)\s*$/i.exec(header) : null;
  if (!match) throw unauthorized('an "Authorization: Bearer <token>" header is required');
  return match[1];
}

async function authenticate(event: APIGatewayProxyEventV2): Promise<Identity> {
  const token = bearer(event);
  try {
    return await tokenVerifier().verify(token);
  } catch (err) {
    logger.info('bearer token refused', { reason: (err as Error).name });
    throw unauthorized('the bearer token is invalid or expired');
  }
}

export function httpHandler(fn: (req: HttpRequest) => Promise<HttpReply>) {
  return async (event: APIGatewayProxyEventV2): Promise<APIGatewayProxyStructuredResultV2> => {
    try {
      const user = await authenticate(event);
      const reply = await fn({ user, event, query: event.queryStringParameters ?? {}, params: event.pathParameters ?? {} });
      return reply.body === undefined
        ? { statusCode: reply.status, headers: { 'cache-control': 'no-store' } }
        : { statusCode: reply.status, headers: HEADERS, body: JSON.stringify(reply.body) };
    } catch (err) {
      const { code, message, status } = toPublicError(err);
      if (code === 'INTERNAL') logger.error('request failed', { route: event.routeKey, error: (err as Error).name, detail: (err as Error).message });
      return { statusCode: status, headers: HEADERS, body: JSON.stringify({ error: { code, message } }) };
    }
  };
}

/** Parses the JSON body of a request (a missing or broken one is BAD_REQUEST). */
export function jsonBody(event: APIGatewayProxyEventV2): string | undefined {
  if (event.body === undefined) return undefined;
  return event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
}
