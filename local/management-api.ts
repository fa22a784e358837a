/**
 * The API Gateway Management API for the stock `@aws-sdk/client-apigatewaymanagementapi` client, at two places:
 *  - `/_aws/ws/@connections/{id}` (endpoint `http://127.0.0.1:<port>/_aws/ws`, what the stack gives the handlers), and
 *  - `/<stage>/@connections/{id}`, so the endpoint handlers commonly build from their own event,
 *    `https://${requestContext.domainName}/${requestContext.stage}`, reaches it as it reaches AWS's (the port also
 *    speaks TLS: local/tls.ts).
 * POST sends the body as a text frame (200), GET describes the connection (200; the SDK reads it as
 * `{ConnectedAt, LastActiveAt, Identity:{SourceIp, UserAgent}}`), DELETE closes it (204; its `$disconnect` says
 * 1000 "Connection Closed Normally", as AWS's does). An unknown or closed id answers 410 with
 * `x-amzn-errortype: GoneException`, which the SDK raises as `GoneException`. No signature check: any credentials
 * work, as with any local AWS endpoint.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WS_LIMITS } from '../lib/wiring';
import { closeConnection, sendText, type ConnectionRegistry } from './connections';
import { LOCAL_STAGE } from './events-apigw';
import { BodyTooLargeError, readBody, requestId, send, sendJson } from './http-util';

export const MANAGEMENT_PREFIX = '/_aws/ws';
export const STAGE_PREFIX = `/${LOCAL_STAGE}`;

export interface ManagementCounters {
  postToConnection: number;
}

function awsError(res: ServerResponse, status: number, type: string, message: string): void {
  sendJson(res, status, { message }, { 'x-amzn-errortype': type, 'x-amzn-requestid': requestId() });
}

/** Handles the request when its path is under /_aws/ws or is /<stage>/@connections/...; returns false otherwise. */
export async function handleManagement(
  req: IncomingMessage,
  res: ServerResponse,
  pathname: string,
  connections: ConnectionRegistry,
  counters: ManagementCounters,
): Promise<boolean> {
  const prefix = [MANAGEMENT_PREFIX, STAGE_PREFIX].find((p) => pathname.startsWith(`${p}/`));
  if (!prefix) return false;
  // Under the stage, only @connections is the Management API; anything else there is not ours to answer.
  if (prefix === STAGE_PREFIX && !pathname.startsWith(`${STAGE_PREFIX}/@connections/`)) return false;
  const m = /^\/@connections\/([^/]+)\/?$/.exec(pathname.slice(prefix.length));
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
          // Identity.UserAgent is a required member in the Management API's model: empty when the client sent none.
          identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent ?? '' },
        });
      }
      return true;
    }
    case 'DELETE': {
      const conn = connections.live(id);
      if (!conn) gone();
      else {
        // The close frame's reason is left empty; the reason is what $disconnect reports (boto3#3789's gateway log).
        closeConnection(conn, 1000, 'Connection Closed Normally', '');
        send(res, 204, undefined);
      }
      return true;
    }
    default:
      awsError(res, 405, 'MethodNotAllowedException', `${req.method} is not supported here`);
      return true;
  }
}
