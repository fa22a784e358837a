/**
 * The API Gateway Management API at `/_aws/ws/@connections/{id}`, for the stock
 * `@aws-sdk/client-apigatewaymanagementapi` client (endpoint `http://127.0.0.1:<port>/_aws/ws`):
 * POST sends the body as a text frame (200), GET describes the connection (200; the SDK reads it as
 * `{ConnectedAt, LastActiveAt, Identity:{SourceIp, UserAgent}}`), DELETE closes it (204).
 * An unknown or closed id answers 410 with `x-amzn-errortype: GoneException`, which the SDK raises as
 * `GoneException`. No signature check: any credentials work, as with any local AWS endpoint.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WS_LIMITS } from '../lib/wiring';
import { sendText, type ConnectionRegistry } from './connections';
import { BodyTooLargeError, readBody, requestId, send, sendJson } from './http-util';

export const MANAGEMENT_PREFIX = '/_aws/ws';

export interface ManagementCounters {
  postToConnection: number;
}

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { message }, { 'x-amzn-errortype': type, 'x-amzn-requestid': requestId() });
}

/** Handles the request when its path is under /_aws/ws; returns false otherwise. */
export async function handleManagement(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  connections: ConnectionRegistry,
  counters: ManagementCounters,
): Promise<boolean> {
  if (!pathname.startsWith(`${MANAGEMENT_PREFIX}/`)) return false;
  const m = /^\/_aws\/ws\/@connections\/([^/]+)\/?$/.exec(pathname);
  if (!m) {
    awsError(res, 404, 'NotFoundException', 'No such Management API resource');
    return true;
  }
  let id: string;
  try {
    id = decodeURIComponent(m[1]);
  } catch {
    awsError(res, 400, 'BadRequestException', 'Invalid connection id');
    return true;
  }
  const gone = () => awsError(res, 410, 'GoneException', `Connection ${id} is gone`);

  switch (req.method) {
    case 'POST': {
      counters.postToConnection++;
      let body: Buffer;
      try {
        body = await readBody(req, WS_LIMITS.maxMessageBytes);
      } catch (err) {
        if (err instanceof BodyTooLargeError) awsError(res, 413, 'PayloadTooLargeException', `Message is over ${WS_LIMITS.maxMessageBytes} bytes`);
        else awsError(res, 400, 'BadRequestException', 'Could not read the body');
        return true;
      }
      const conn = connections.live(id);
      if (!conn || !sendText(conn, body.toString('utf8'))) gone();
      else send(res, 200, undefined);
      return true;
    }
    case 'GET': {
      const conn = connections.live(id);
      if (!conn) gone();
      else {
        // The wire names (jsonName) the SDK maps to ConnectedAt, LastActiveAt, Identity.{SourceIp,UserAgent}.
        sendJson(res, 200, {
          connectedAt: conn.connectedAt.toISOString(),
          lastActiveAt: conn.lastActiveAt.toISOString(),
          identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
        });
      }
      return true;
    }
    case 'DELETE': {
      const conn = connections.live(id);
      if (!conn) gone();
      else {
        conn.closing = true;
        conn.socket.close(1000, '');
        setTimeout(() => conn.socket.terminate(), 5000).unref();
        send(res, 204, undefined);
      }
      return true;
    }
    default:
      awsError(res, 405, 'MethodNotAllowedException', `${req.method} is not supported here`);
      return true;
  }
}
