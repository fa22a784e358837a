/** $disconnect: drop the connection; the last one closing announces offline. (A lost $disconnect expires by TTL.) */
import type { APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { presenceDeps } from '../adapters/container';
import { disconnect } from '../core/presence';
import { callerOf, type WsEvent } from '../edge/ws';
import { logger, startInvocation } from '../shared/logger';

export const handler = async (event: WsEvent, context?: Context): Promise<APIGatewayProxyResultV2> => {
  startInvocation(context);
  try {
    const caller = callerOf(event);
    await disconnect(presenceDeps(), caller.userId, caller.connectionId);
  } catch (err) {
    logger.error('disconnect failed', { error: (err as Error).name, detail: (err as Error).message });
  }
  return { statusCode: 200 };
};
