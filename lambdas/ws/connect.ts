/** $connect: the authorizer already verified the token; store the connection (within the per-user cap) and announce presence. */
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { presenceDeps } from '../adapters/container';
import { connect, TooManyConnectionsError } from '../core/presence';
import { callerOf, type WsEvent } from '../edge/ws';
import { logger, startInvocation } from '../shared/logger';

export const handler = async (event: WsEvent, context?: Context): Promise<APIGatewayProxyResultV2> => {
  startInvocation(context);
  try {
    const caller = callerOf(event);
    await connect(presenceDeps(), caller.userId, caller.name, caller.connectionId, caller.tokenExpiresAt);
    return { statusCode: 200 };
  } catch (err) {
    // Over the per-user cap: API Gateway refuses the handshake with this status (contract: 429).
    if (err instanceof TooManyConnectionsError) return { statusCode: 429, body: JSON.stringify({ message: err.message }) };
    logger.error('connect failed', { error: (err as Error).name, detail: (err as Error).message });
    return { statusCode: 500 };
  }
};
