/** $disconnect: drop the connection; the last one closing announces offline. (A lost $disconnect expires by TTL.) */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { presenceDeps } from '../adapters/container';
import { disconnect } from '../core/presence';
import { logger } from '../shared/logger';
import { callerOf, type WsEvent } from '../shared/ws';

export const handler = async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
  try {
    const caller = callerOf(event);
    await disconnect(presenceDeps(), caller.userId, caller.connectionId);
  } catch (err) {
    logger.error('disconnect failed', { error: (err as Error).name, detail: (err as Error).message });
  }
  return { statusCode: 200 };
};
