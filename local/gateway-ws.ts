/**
 * The WebSocket API with API Gateway semantics, at `/ws?token=JWT`:
 *  - handshake: no token -> 401 without calling the authorizer; the REQUEST authorizer (wiring WS_AUTHORIZER) is
 *    called with an `APIGatewayRequestAuthorizerEvent`; "Unauthorized" thrown -> 401, Deny -> 403, Allow -> the
 *    `$connect` route, whose non-2xx status refuses the handshake;
 *  - frames route by `$request.body.action` to the declared routes, else `$default`; two-way routes send the
 *    handler's `body` back; a handler failure never crashes the process;
 *  - close (either side) -> `$disconnect`, with the same authorizer context;
 *  - limits from WS_LIMITS: a frame over 32 KB or a message over 128 KB closes with 1009; binary frames close with
 *    1003 (API Gateway doesn't take them); idle and lifetime limits close with 1001.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayEventWebsocketRequestContextV2,
  APIGatewayProxyWebsocketEventV2,
  APIGatewayProxyWebsocketEventV2WithRequestContext,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { WS_AUTHORIZER, WS_LIMITS, WS_ROUTES, type WsRouteDef } from '../lib/wiring';
import { ConnectionRegistry, sendText, type LocalConnection } from './connections';
import { frameSizeWatcher } from './frame-limit';
import type { FunctionRegistry } from './functions';
import { ACCOUNT_ID, clfTime, gatewayId, requestId, sourceIp } from './http-util';
import { errorMessage, type Log } from './log';

export const INTERNAL_ERROR_FRAME = JSON.stringify({ type: 'error', code: 'INTERNAL', message: 'internal error' });

export type WsLimits = typeof WS_LIMITS;

/** What the gateway puts in `requestContext`: the typed V2 context plus what API Gateway also sends. */
export type LocalWebsocketRequestContext = APIGatewayEventWebsocketRequestContextV2 & {
  authorizer: Record<string, unknown>;
  identity: { sourceIp: string; userAgent: string };
  disconnectStatusCode?: number;
  disconnectReason?: string;
};
export type LocalWebsocketEvent = APIGatewayProxyWebsocketEventV2WithRequestContext<LocalWebsocketRequestContext> & {
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
};
// The events satisfy the type the handlers take.
const _typecheck: (e: LocalWebsocketEvent) => APIGatewayProxyWebsocketEventV2 = (e) => e;
void _typecheck;

export interface WsGatewayOptions {
  functions: FunctionRegistry;
  connections: ConnectionRegistry;
  log: Log;
  region: string;
  apiId?: string;
  stage?: string;
  path?: string;
  limits?: Partial<WsLimits>;
}

export interface WsGateway {
  /** The `upgrade` listener of the HTTP server for the WebSocket path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Close every connection (1001) and wait (up to timeoutMs) for their $disconnect and any running route. */
  closeAll(timeoutMs?: number): Promise<void>;
  /** Resolves when no route invocation is running. */
  idle(): Promise<void>;
  /**
   * For tests: an outage of the socket path, for one user (or everyone). Their connections are dropped without a
   * close handshake (clients see 1006, as when a gateway node dies; $disconnect runs) and their handshakes are
   * refused with 503 until `end()`. Resolves once the dropped connections' $disconnect has run.
   */
  outage(opts?: { userId?: string }): Promise<{ end(): void }>;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function refuse(socket: Duplex, status: number, body: string): void {
  if (socket.destroyed) return;
  const text = STATUS_TEXT[status] ?? 'Error';
  socket.once('finish', () => socket.destroy());
  socket.end(
    `HTTP/1.1 ${status} ${text}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

function headersOf(req: IncomingMessage): { single: Record<string, string>; multi: Record<string, string[]> } {
  const single: Record<string, string> = {};
  const multi: Record<string, string[]> = {};
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    const value = req.rawHeaders[i + 1];
    (multi[name] ??= []).push(value);
    single[name] = multi[name].join(',');
  }
  return { single, multi };
}

function queryOf(url: URL): { single: Record<string, string>; multi: Record<string, string[]> } | undefined {
  const multi: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (multi[k] ??= []).push(v);
  if (!Object.keys(multi).length) return undefined;
  const single = Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1]]));
  return { single, multi };
}

/** Allow only when some statement allows execute-api:Invoke and none denies it. */
function policyAllows(result: APIGatewayAuthorizerResult): boolean {
  const statements = result?.policyDocument?.Statement;
  if (!Array.isArray(statements) || typeof result.principalId !== 'string') throw new Error('authorizer returned a malformed policy');
  const invoke = statements.filter((s) => {
    const action = (s as { Action?: string | string[] }).Action;
    const actions = Array.isArray(action) ? action : [action];
    return actions.some((a) => a === 'execute-api:Invoke' || a === 'execute-api:*' || a === '*');
  });
  return invoke.some((s) => s.Effect === 'Allow') && !invoke.some((s) => s.Effect === 'Deny');
}

/** A route result's `body` to send back (two-way routes), if any. */
function responseBody(result: unknown): string | undefined {
  if (result && typeof result === 'object' && typeof (result as { body?: unknown }).body === 'string') {
    const body = (result as { body: string }).body;
    return body.length ? body : undefined;
  }
  return undefined;
}

function statusOf(result: unknown): number {
  if (result && typeof result === 'object' && typeof (result as { statusCode?: unknown }).statusCode === 'number') {
    return (result as { statusCode: number }).statusCode;
  }
  return 200;
}

export function createWsGateway(opts: WsGatewayOptions): WsGateway {
  const { functions, connections, log, region } = opts;
  const apiId = opts.apiId ?? 'local';
  const stage = opts.stage ?? 'local';
  const wsPath = opts.path ?? '/ws';
  const limits: WsLimits = { ...WS_LIMITS, ...opts.limits };
  const routes = new Map<string, WsRouteDef>(WS_ROUTES.map((r) => [r.routeKey, r]));
  const route = (key: string) => {
    const r = routes.get(key);
    if (!r) throw new Error(`wiring declares no ${key} route`);
    return r;
  };
  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false, clientTracking: false });
  const running = new Set<Promise<unknown>>();
  const outages = new Set<{ userId?: string }>();
  const inOutage = (userId: unknown) => [...outages].some((o) => o.userId === undefined || o.userId === userId);
  const track = <T>(p: Promise<T>): Promise<T> => {
    running.add(p);
    p.finally(() => running.delete(p)).catch(() => undefined);
    return p;
  };

  function context(
    conn: Pick<LocalConnection, 'id' | 'connectedAt' | 'sourceIp' | 'userAgent' | 'authorizer'>,
    routeKey: string,
    eventType: 'CONNECT' | 'MESSAGE' | 'DISCONNECT',
    domainName: string,
  ): LocalWebsocketRequestContext {
    const now = new Date();
    return {
      routeKey,
      messageId: gatewayId(),
      eventType,
      extendedRequestId: gatewayId(),
      requestTime: clfTime(now),
      messageDirection: 'IN',
      stage,
      connectedAt: conn.connectedAt.getTime(),
      requestTimeEpoch: now.getTime(),
      requestId: requestId(),
      domainName,
      connectionId: conn.id,
      apiId,
      authorizer: conn.authorizer,
      identity: { sourceIp: conn.sourceIp, userAgent: conn.userAgent },
    };
  }

  async function invokeRoute(conn: LocalConnection, domainName: string, r: WsRouteDef, body: string): Promise<void> {
    const event: LocalWebsocketEvent = { requestContext: context(conn, r.routeKey, 'MESSAGE', domainName), body, isBase64Encoded: false };
    const started = Date.now();
    try {
      const result = await functions.invoke(r.function, event);
      if (r.returnResponse) {
        const reply = responseBody(result);
        if (reply !== undefined) sendText(conn, reply);
      }
      log.debug(`ws ${conn.id} ${r.routeKey} -> ${statusOf(result)} ${Date.now() - started}ms`);
    } catch (err) {
      log.error(`ws route ${r.routeKey} failed (connection ${conn.id})`, err);
      if (r.returnResponse) sendText(conn, INTERNAL_ERROR_FRAME);
    }
  }

  async function invokeDisconnect(conn: LocalConnection, domainName: string, code: number, reason: string): Promise<void> {
    const r = route('$disconnect');
    const requestContext = { ...context(conn, '$disconnect', 'DISCONNECT', domainName), disconnectStatusCode: code, disconnectReason: reason };
    try {
      await functions.invoke(r.function, { requestContext, isBase64Encoded: false } satisfies LocalWebsocketEvent);
      log.debug(`ws ${conn.id} $disconnect (${code})`);
    } catch (err) {
      log.error(`ws route $disconnect failed (connection ${conn.id})`, err);
    }
  }

  /** Select the route the way `$request.body.action` does. */
  function selectRoute(text: string): WsRouteDef {
    try {
      const parsed: unknown = JSON.parse(text);
      const action = parsed && typeof parsed === 'object' && !Array.isArray(parsed) ? (parsed as { action?: unknown }).action : undefined;
      if (typeof action === 'string' && !action.startsWith('$') && routes.has(action)) return route(action);
    } catch {
      /* not JSON: $default */
    }
    return route('$default');
  }

  function accept(conn: LocalConnection, domainName: string): void {
    const ws = conn.socket;
    connections.add(conn);
    let idleTimer: NodeJS.Timeout | undefined;
    const closeWith = (code: number, reason: string) => {
      if (conn.closing) return;
      conn.closing = true;
      ws.close(code, reason);
      // A peer that never answers the close handshake is dropped.
      setTimeout(() => ws.terminate(), 5000).unref();
    };
    const touch = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => closeWith(1001, 'Going away'), limits.idleTimeoutSeconds * 1000);
      idleTimer.unref();
    };
    touch();
    const lifeTimer = setTimeout(() => closeWith(1001, 'Going away'), limits.maxConnectionSeconds * 1000);
    lifeTimer.unref();

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (conn.closing) return;
      if (isBinary) {
        closeWith(1003, 'Binary frames are not supported');
        return;
      }
      conn.lastActiveAt = new Date();
      touch();
      const text = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
      track(invokeRoute(conn, domainName, selectRoute(text), text));
    });
    ws.on('error', (err) => log.debug(`ws ${conn.id} error: ${errorMessage(err)}`));
    ws.on('close', (code: number, reason: Buffer) => {
      clearTimeout(idleTimer);
      clearTimeout(lifeTimer);
      conn.closing = true;
      connections.delete(conn.id);
      track(invokeDisconnect(conn, domainName, code, reason.toString()));
    });
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== wsPath && url.pathname !== `${wsPath}/`) return refuse(socket, 404, JSON.stringify({ message: 'Not Found' }));
    if (String(req.headers.upgrade).toLowerCase() !== 'websocket' || !req.headers['sec-websocket-key']) {
      return refuse(socket, 400, JSON.stringify({ message: 'Bad Request' }));
    }
    const query = queryOf(url);
    // Identity source route.request.querystring.token: API Gateway answers 401 itself when it is missing.
    const tokenParam = WS_AUTHORIZER.identitySource.replace(/^route\.request\.querystring\./, '');
    if (!query?.single[tokenParam]) return refuse(socket, 401, JSON.stringify({ message: 'Unauthorized' }));

    const headers = headersOf(req);
    const domainName = req.headers.host ?? '127.0.0.1';
    const connectedAt = new Date();
    const base = {
      id: connections.newId(),
      connectedAt,
      sourceIp: sourceIp(req),
      userAgent: String(req.headers['user-agent'] ?? ''),
    };
    const reqId = requestId();
    const authEvent: APIGatewayRequestAuthorizerEvent = {
      type: 'REQUEST',
      methodArn: `arn:aws:execute-api:${region}:${ACCOUNT_ID}:${apiId}/${stage}/$connect`,
      resource: '$connect',
      path: wsPath,
      httpMethod: 'GET',
      headers: headers.single,
      multiValueHeaders: headers.multi,
      pathParameters: null,
      queryStringParameters: query.single,
      multiValueQueryStringParameters: query.multi,
      stageVariables: null,
      requestContext: {
        accountId: ACCOUNT_ID,
        apiId,
        authorizer: undefined,
        connectedAt: connectedAt.getTime(),
        connectionId: base.id,
        domainName,
        domainPrefix: domainName.split('.')[0],
        eventType: 'CONNECT',
        extendedRequestId: reqId,
        protocol: 'HTTP/1.1',
        httpMethod: 'GET',
        identity: {
          accessKey: null,
          accountId: null,
          apiKey: null,
          apiKeyId: null,
          caller: null,
          clientCert: null,
          cognitoAuthenticationProvider: null,
          cognitoAuthenticationType: null,
          cognitoIdentityId: null,
          cognitoIdentityPoolId: null,
          principalOrgId: null,
          sourceIp: base.sourceIp,
          user: null,
          userAgent: base.userAgent,
          userArn: null,
        },
        messageDirection: 'IN',
        messageId: null,
        path: wsPath,
        stage,
        requestId: reqId,
        requestTime: clfTime(connectedAt),
        requestTimeEpoch: connectedAt.getTime(),
        resourceId: '$connect',
        resourcePath: '$connect',
        routeKey: '$connect',
      },
    };

    let policy: APIGatewayAuthorizerResult;
    try {
      policy = (await functions.invoke(WS_AUTHORIZER.function, authEvent)) as APIGatewayAuthorizerResult;
    } catch (err) {
      if (errorMessage(err) === 'Unauthorized') return refuse(socket, 401, JSON.stringify({ message: 'Unauthorized' }));
      log.error('ws authorizer failed', err);
      return refuse(socket, 500, JSON.stringify({ message: 'Internal Server Error' }));
    }
    let allowed: boolean;
    try {
      allowed = policyAllows(policy);
    } catch (err) {
      log.error('ws authorizer result refused', err);
      return refuse(socket, 500, JSON.stringify({ message: 'Internal Server Error' }));
    }
    if (!allowed) return refuse(socket, 403, JSON.stringify({ message: 'Forbidden' }));
    if (inOutage(policy.principalId)) return refuse(socket, 503, JSON.stringify({ message: 'Service Unavailable' }));

    const authorizer: Record<string, unknown> = { ...(policy.context ?? {}), principalId: policy.principalId };
    const conn: LocalConnection = { ...base, socket: undefined as unknown as WebSocket, lastActiveAt: connectedAt, authorizer, closing: false };
    const connectEvent: LocalWebsocketEvent = {
      requestContext: context(conn, '$connect', 'CONNECT', domainName),
      headers: headers.single,
      multiValueHeaders: headers.multi,
      queryStringParameters: query.single,
      multiValueQueryStringParameters: query.multi,
      isBase64Encoded: false,
    };
    let status: number;
    let result: unknown;
    try {
      result = await functions.invoke(route('$connect').function, connectEvent);
      status = statusOf(result);
    } catch (err) {
      log.error(`ws route $connect failed (connection ${conn.id})`, err);
      return refuse(socket, 500, JSON.stringify({ message: 'Internal server error' }));
    }
    if (status < 200 || status > 299) {
      return refuse(socket, status, responseBody(result) ?? JSON.stringify({ message: STATUS_TEXT[status] ?? 'Error' }));
    }

    let accepted = false;
    if (!socket.destroyed) {
      wss.handleUpgrade(req, socket, head, (ws) => {
        accepted = true;
        conn.socket = ws;
        // Before ws's own listener, so a frame header is judged before its payload is assembled.
        socket.prependListener(
          'data',
          frameSizeWatcher(limits.maxFrameBytes, (bytes) => {
            log.debug(`ws ${conn.id} frame of ${bytes} bytes is over ${limits.maxFrameBytes}: closing with 1009`);
            conn.closing = true;
            ws.close(1009, 'Message too big');
            setTimeout(() => ws.terminate(), 5000).unref();
          }),
        );
        accept(conn, domainName);
      });
    }
    // The client left while $connect ran: $connect succeeded, so $disconnect follows, as in the cloud.
    if (!accepted) track(invokeDisconnect(conn, domainName, 1006, 'Connection closed during $connect'));
  }

  async function idle(): Promise<void> {
    while (running.size) await Promise.allSettled([...running]);
  }

  return {
    handleUpgrade(req, socket, head) {
      socket.on('error', (err) => log.debug(`ws handshake socket error: ${errorMessage(err)}`));
      track(
        upgrade(req, socket, head).catch((err) => {
          log.error('ws handshake failed', err);
          refuse(socket, 500, JSON.stringify({ message: 'Internal Server Error' }));
        }),
      );
    },
    idle,
    async outage(opts = {}) {
      const outage = { userId: opts.userId };
      outages.add(outage);
      const dropped = connections.all().filter((c) => opts.userId === undefined || c.authorizer.principalId === opts.userId);
      await Promise.all(
        dropped.map(
          (conn) =>
            new Promise<void>((resolve) => {
              if (conn.socket.readyState === conn.socket.CLOSED) return resolve();
              conn.socket.once('close', () => resolve());
              conn.closing = true;
              conn.socket.terminate();
            }),
        ),
      );
      await idle();
      return { end: () => void outages.delete(outage) };
    },
    async closeAll(timeoutMs = 30000) {
      const timeout = <T>(ms: number, value: T) => new Promise<T>((resolve) => setTimeout(() => resolve(value), ms).unref());
      await Promise.all(
        connections.all().map(
          (conn) =>
            new Promise<void>((resolve) => {
              if (conn.socket.readyState === conn.socket.CLOSED) return resolve();
              conn.socket.once('close', () => resolve());
              conn.closing = true;
              conn.socket.close(1001, 'Going away');
              setTimeout(() => conn.socket.terminate(), 2000).unref();
            }),
        ),
      );
      // Their $disconnect invocations (and any route still running) finish before DynamoDB goes away.
      if ((await Promise.race([idle().then(() => true), timeout(timeoutMs, false)])) === false) {
        log.warn(`stopping while ${running.size} WebSocket invocation(s) still run`);
      }
    },
  };
}
