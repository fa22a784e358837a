/**
 * The edge of every REST handler: the caller from the claims the HTTP API's JWT authorizer verified (a request
 * without a valid token never reaches a function), JSON in/out, and typed errors -> `{"error":{"code","message"}}`
 * with the contract's status. No stack traces.
 */
import type { APIGatewayProxyEventV2, APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { identityFromClaims, type Identity } from '../contract/identity';
import { toPublicError, unauthorized } from '../core/errors';
import { logger, startInvocation } from '../shared/logger';
import { parseJson } from './parse';

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

/**
 * The caller, from `requestContext.authorizer.jwt.claims`. A route without the authorizer (a wiring mistake) has
 * none: refused, never served anonymously.
 */
function caller(event: APIGatewayProxyEventV2): Identity {
  const claims = (event as Partial<APIGatewayProxyEventV2WithJWTAuthorizer>).requestContext?.authorizer?.jwt?.claims;
  if (!claims) throw unauthorized('no verified caller (is the route behind the JWT authorizer?)');
  try {
    return identityFromClaims(claims);
  } catch {
    throw unauthorized('the token names no usable user (sub)');
  }
}

export function httpHandler(fn: (req: HttpRequest) => Promise<HttpReply>) {
  return async (event: APIGatewayProxyEventV2, context?: Context): Promise<APIGatewayProxyStructuredResultV2> => {
    startInvocation(context);
    try {
      const user = caller(event);
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

/** Parses the JSON body of a request, base64 or not (a missing or broken one is BAD_REQUEST). */
export function jsonBody(event: APIGatewayProxyEventV2): unknown {
  return parseJson(event.body !== undefined && event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body);
}
