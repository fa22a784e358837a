/** $connect: the authorizer already verified the token; store the connection and announce presence. */
import type { APIGatewayProxyResultV2 } from 'aws-lambda';
import { deps } from '../adapters/container';
import { connect } from '../core/presence';
import { logger } from '../shared/logger';
import { callerOf, type WsEvent } from '../shared/ws';

export const handler = async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
  try {
    const caller = callerOf(event);
    await connect(deps(), caller.userId, caller.name, caller.connectionId);
    return { statusCode: 200 };
  } catch (err) {
    logger.error('connect failed', { error: (err as Error).name, detail: (err as Error).message });
    return { statusCode: 500 };
  }
};
