/**
 * The edge of every WebSocket frame handler: who is calling (from the authorizer context — never from the
 * frame), JSON parsing, and typed errors -> the contract's `error` frame. Nothing internal reaches the client.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2 } from 'aws-lambda';
import type { ServerFrame } from '../core/model';
import { LIMITS } from '../core/model';
import { toPublicError } from './errors';
import { logger } from './logger';
import { parseJson } from './schemas';

export type WsEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & {
    authorizer?: { principalId?: string; userId?: string; name?: string } | null;
  };
};

export interface Caller {
  userId: string;
  name: string;
  connectionId: string;
}

export function callerOf(event: WsEvent): Caller {
  const auth = event.requestContext.authorizer ?? {};
  const userId = auth.userId ?? auth.principalId;
  if (!userId) throw new Error('no authorizer context on the connection');
  return { userId, name: auth.name ?? userId, connectionId: event.requestContext.connectionId };
}

const reply = (frame: ServerFrame | undefined): APIGatewayProxyResultV2 =>
  frame ? { statusCode: 200, body: JSON.stringify(frame) } : { statusCode: 200 };

/** Wraps a frame handler: `fn` gets the caller and the parsed frame, and may return a frame for the caller. */
export function frameHandler(fn: (caller: Caller, frame: Record<string, unknown>) => Promise<ServerFrame | undefined>) {
  return async (event: WsEvent): Promise<APIGatewayProxyResultV2> => {
    let clientMessageId: string | undefined;
    try {
      const caller = callerOf(event);
      const frame = parseJson(event.body);
      if (typeof frame !== 'object' || frame === null || Array.isArray(frame)) {
        return reply({ type: 'error', code: 'BAD_REQUEST', message: 'a frame must be a JSON object' });
      }
      const cmid = (frame as Record<string, unknown>).clientMessageId;
      if (typeof cmid === 'string' && LIMITS.clientMessageId.test(cmid)) clientMessageId = cmid;
      return reply(await fn(caller, frame as Record<string, unknown>));
    } catch (err) {
      const { code, message } = toPublicError(err);
      if (code === 'INTERNAL') logger.error('frame failed', { route: event.requestContext.routeKey, error: (err as Error).name, detail: (err as Error).message });
      return reply({ type: 'error', code, message, ...(clientMessageId ? { clientMessageId } : {}) });
    }
  };
}
