/**
 * The edge of every WebSocket frame handler: who is calling (from the authorizer context — never from the frame;
 * $connect and $disconnect read it the same way, `callerOf`), whether the token the connection was opened with is
 * still valid, JSON parsing, and typed errors -> the contract's `error` frame. Nothing internal reaches the client.
 */
import type { APIGatewayProxyResultV2, APIGatewayProxyWebsocketEventV2, Context } from 'aws-lambda';
import type { ServerFrame } from '../contract/frames';
import { LIMITS } from '../contract/limits';
import { toPublicError } from '../core/errors';
import type { Pusher } from '../core/ports';
import { logger, startInvocation } from '../shared/logger';
import { parseJson } from './parse';

export type WsEvent = APIGatewayProxyWebsocketEventV2 & {
  requestContext: APIGatewayProxyWebsocketEventV2['requestContext'] & {
    /** What Parley's authorizer put in the context (API Gateway hands the values on; `exp` may arrive as a string). */
    authorizer?: { principalId?: string; userId?: string; name?: string; exp?: string | number } | null;
  };
};

export interface Caller {
  userId: string;
  name: string;
  connectionId: string;
  /** When the token the connection was opened with expires (epoch ms); undefined when it had no `exp`. */
  tokenExpiresAt?: number;
}

export function callerOf(event: WsEvent): Caller {
  const auth = event.requestContext.authorizer ?? {};
  const userId = auth.userId ?? auth.principalId;
  if (!userId) throw new Error('no authorizer context on the connection');
  const exp = Number(auth.exp);
  return {
    userId,
    name: auth.name ?? userId,
    connectionId: event.requestContext.connectionId,
    ...(auth.exp !== undefined && Number.isFinite(exp) ? { tokenExpiresAt: exp * 1000 } : {}),
  };
}

export const tokenExpired = (caller: Caller, now = Date.now()) => caller.tokenExpiresAt !== undefined && now >= caller.tokenExpiresAt;

/**
 * A connection lives no longer than its token (contract v1.1): a frame after expiry gets `UNAUTHORIZED` and the
 * server closes the connection. The frame goes out by PostToConnection before the close (a route response would be
 * sent only after this function returns, when the connection is already gone).
 */
async function endExpired(pusher: Pick<Pusher, 'post' | 'close'>, caller: Caller): Promise<void> {
  await pusher.post(caller.connectionId, { type: 'error', code: 'UNAUTHORIZED', message: 'your sign-in has expired; reconnect with a new token' });
  await pusher.close(caller.connectionId);
}

const reply = (frame: ServerFrame | undefined): APIGatewayProxyResultV2 =>
  frame ? { statusCode: 200, body: JSON.stringify(frame) } : { statusCode: 200 };

/**
 * Wraps a frame handler: `fn` gets the caller and the parsed frame, and may return a frame for the caller.
 * `pusher` (the Management API) ends connections whose token has expired.
 */
export function frameHandler(
  fn: (caller: Caller, frame: Record<string, unknown>) => Promise<ServerFrame | undefined>,
  pusher: () => Pick<Pusher, 'post' | 'close'>,
) {
  return async (event: WsEvent, context?: Context): Promise<APIGatewayProxyResultV2> => {
    startInvocation(context);
    let clientMessageId: string | undefined;
    try {
      const caller = callerOf(event);
      if (tokenExpired(caller)) {
        await endExpired(pusher(), caller);
        return { statusCode: 200 };
      }
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
