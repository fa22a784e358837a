/**
 * The edge of the WebSocket $connect REQUEST authorizer. Identity source: the `token` query string (API Gateway
 * answers 401 when it is missing). A bad token or a disallowed browser Origin is denied (403). The verified user
 * travels to every later route in the authorizer context; nothing in a frame can change it.
 *
 * The token verifier is handed in by the handler (lambdas/ws/authorizer.ts builds aws-jwt-verify's from the
 * environment, lambdas/adapters/jwt.ts), so this edge imports no adapter and a test can give it any verifier.
 */
import type { APIGatewayAuthorizerResult, APIGatewayRequestAuthorizerEvent, Context } from 'aws-lambda';
import type { Identity } from '../contract/identity';
import { logger, startInvocation } from '../shared/logger';

export interface TokenVerifier {
  /** The caller, and when the token expires (epoch seconds, from `exp`). */
  verify(token: string): Promise<Identity & { exp?: number }>;
}

function policy(effect: 'Allow' | 'Deny', resource: string, principalId: string, context?: Record<string, string | number>): APIGatewayAuthorizerResult {
  return {
    principalId,
    policyDocument: { Version: '2012-10-17', Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resource }] },
    ...(context ? { context } : {}),
  };
}

function header(event: APIGatewayRequestAuthorizerEvent, name: string): string | undefined {
  const headers = event.headers ?? {};
  const key = Object.keys(headers).find((k) => k.toLowerCase() === name);
  return key ? headers[key] : undefined;
}

/** The authorizer, given its verifier and the allowed browser origins (both built at first use). */
export function wsAuthorizer(verifier: () => TokenVerifier, allowedOrigins: () => ReadonlySet<string>) {
  return async (event: APIGatewayRequestAuthorizerEvent, context?: Context): Promise<APIGatewayAuthorizerResult> => {
    startInvocation(context);
    const token = event.queryStringParameters?.token;
    // API Gateway's own answer to a missing identity source is 401; throwing "Unauthorized" does the same.
    if (!token) throw new Error('Unauthorized');

    const origin = header(event, 'origin');
    if (origin !== undefined && !allowedOrigins().has(origin.replace(/\/+$/, ''))) {
      logger.warn('websocket handshake from a disallowed origin', { origin });
      return policy('Deny', event.methodArn, 'anonymous');
    }
    try {
      const identity = await verifier().verify(token);
      // `exp` travels with the connection: frames after it get UNAUTHORIZED and the connection is closed (edge/ws.ts).
      const context = { userId: identity.userId, name: identity.name, ...(identity.exp !== undefined ? { exp: identity.exp } : {}) };
      return policy('Allow', event.methodArn, identity.userId, context);
    } catch (err) {
      logger.info('websocket token refused', { reason: (err as Error).name });
      return policy('Deny', event.methodArn, 'anonymous');
    }
  };
}
