/**
 * The WebSocket API with API Gateway semantics, at `/ws?token=JWT` (stage LOCAL_STAGE, events from events-apigw.ts):
 *  - handshake: no token -> 401 without calling the authorizer; the REQUEST authorizer (wiring WS_AUTHORIZER) gets an
 *    `APIGatewayRequestAuthorizerEvent`; "Unauthorized" thrown -> 401; an answer API Gateway would refuse (no IAM
 *    policy, a nested context value, a throw, a timeout) -> 500 AuthorizerConfigurationException (ws-authorizer.ts);
 *    a policy that doesn't allow the method ARN -> 403; else the `$connect` route, whose non-2xx status refuses the
 *    handshake with that status and whose failure (throw, timeout) refuses it with 502, as API Gateway does;
 *  - frames route by `$request.body.action` to the declared routes, else `$default`; two-way routes send the
 *    handler's `body` back; a failed invocation (throw, Lambda timeout) sends two-way callers API Gateway's
 *    `{"message": "Internal server error", ...}` frame and keeps the socket; nothing crashes the process;
 *  - close (either side) -> `$disconnect`, with the same authorizer context and AWS's code and reason;
 *  - limits from WS_LIMITS: a frame over 32 KB or a message over 128 KB closes with 1009; binary frames close with
 *    1003 (API Gateway doesn't take them); idle and lifetime limits close with 1001 "Going away"; API Gateway's
 *    29 s integration timeout caps how long a route's caller waits.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type RawData, type WebSocket } from 'ws';
import { WS_AUTHORIZER, WS_LIMITS, WS_ROUTES, type FunctionKey, type WsRouteDef } from '../lib/wiring';
import { closeConnection, ConnectionRegistry, sendText, type LocalConnection } from './connections';
import {
  clientCloseCause,
  clientRequestOf,
  LOCAL_API_ID,
  LOCAL_STAGE,
  v1Query,
  wsAuthorizerEvent,
  wsConnectEvent,
  wsDisconnectEvent,
  wsIntegrationErrorFrame,
  wsMessageEvent,
  type LocalWebsocketEvent,
  type WsConnectionFacts,
} from './events-apigw';
import { frameSizeWatcher } from './frame-limit';
import { answerAtSocket, messageBody } from './http-server';
import { IntegrationTimeoutError, withIntegrationTimeout, WS_INTEGRATION_TIMEOUT_MS, type FunctionRegistry } from './functions';
import { errorMessage, type Log } from './log';
import { authorizerContextOf, judgeAuthorizerAnswer } from './ws-authorizer';

export type { LocalWebsocketEvent, LocalWebsocketRequestContext } from './events-apigw';

/** WS_LIMITS plus API Gateway's integration timeout (configurable per integration on AWS; tests shorten it). */
export type WsLimits = typeof WS_LIMITS & { integrationTimeoutMs: number };

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

/** API Gateway's AUTHORIZER_CONFIGURATION_ERROR gateway response (500, `{"message":null}`). */
const refuseAuthorizerConfiguration = (socket: Duplex) =>
  answerAtSocket(socket, 500, messageBody(null), { 'x-amzn-ErrorType': 'AuthorizerConfigurationException' });

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
  const apiId = opts.apiId ?? LOCAL_API_ID;
  const stage = opts.stage ?? LOCAL_STAGE;
  const wsPath = opts.path ?? '/ws';
  const limits: WsLimits = { ...WS_LIMITS, integrationTimeoutMs: WS_INTEGRATION_TIMEOUT_MS, ...opts.limits };
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
  /** Invoke a function the way API Gateway's integration does: the caller waits at most the integration timeout. */
  const integrate = (key: FunctionKey, event: unknown) => withIntegrationTimeout(track(functions.invoke(key, event)), limits.integrationTimeoutMs);
  const facts = (conn: LocalConnection): WsConnectionFacts => ({
    connectionId: conn.id,
    connectedAt: conn.connectedAt.getTime(),
    sourceIp: conn.sourceIp,
    userAgent: conn.userAgent,
    domainName: conn.domainName,
    stage,
    apiId,
  });

  async function invokeRoute(conn: LocalConnection, r: WsRouteDef, body: string): Promise<void> {
    const event = wsMessageEvent(facts(conn), r.routeKey, body, conn.authorizer);
    const started = Date.now();
    try {
      const result = await integrate(r.function, event);
      if (r.returnResponse) {
        const reply = responseBody(result);
        if (reply !== undefined) sendText(conn, reply);
      }
      log.debug(`ws ${conn.id} ${r.routeKey} -> ${statusOf(result)} ${Date.now() - started}ms`);
    } catch (err) {
      log.error(`ws route ${r.routeKey} failed (connection ${conn.id})`, err);
      const text = err instanceof IntegrationTimeoutError ? 'Endpoint request timed out' : 'Internal server error';
      if (r.returnResponse) sendText(conn, wsIntegrationErrorFrame(text, conn.id, event.requestContext.requestId));
    }
  }

  async function invokeDisconnect(conn: LocalConnection, code: number, reason: string): Promise<void> {
    try {
      await integrate(route('$disconnect').function, wsDisconnectEvent(facts(conn), code, reason, conn.authorizer));
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

  function accept(conn: LocalConnection): void {
    const ws = conn.socket;
    connections.add(conn);
    let idleTimer: NodeJS.Timeout | undefined;
    // API Gateway's idle timeout and connection lifetime: 1001 "Going away" (a real $disconnect 10 minutes after its
    // $connect says exactly that).
    const touch = () => {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(() => closeConnection(conn, 1001, 'Going away'), limits.idleTimeoutSeconds * 1000);
      idleTimer.unref();
    };
    touch();
    const lifeTimer = setTimeout(() => closeConnection(conn, 1001, 'Going away'), limits.maxConnectionSeconds * 1000);
    lifeTimer.unref();

    ws.on('message', (data: RawData, isBinary: boolean) => {
      if (conn.closing) return;
      if (isBinary) {
        closeConnection(conn, 1003, 'Binary frames are not supported');
        return;
      }
      conn.lastActiveAt = new Date();
      touch();
      const text = (Buffer.isBuffer(data) ? data : Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data)).toString('utf8');
      track(invokeRoute(conn, selectRoute(text), text));
    });
    ws.on('error', (err) => log.debug(`ws ${conn.id} error: ${errorMessage(err)}`));
    ws.on('close', (code: number, reason: Buffer) => {
      clearTimeout(idleTimer);
      clearTimeout(lifeTimer);
      conn.closing = true;
      connections.delete(conn.id);
      const why = conn.closedBy ?? clientCloseCause(code, reason.toString());
      track(invokeDisconnect(conn, why.code, why.reason));
    });
  }

  async function upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    if (url.pathname !== wsPath && url.pathname !== `${wsPath}/`) return answerAtSocket(socket, 404);
    if (String(req.headers.upgrade).toLowerCase() !== 'websocket' || !req.headers['sec-websocket-key']) {
      return answerAtSocket(socket, 400);
    }
    const query = v1Query(url);
    // Identity source route.request.querystring.token: API Gateway answers 401 itself when it is missing.
    const tokenParam = WS_AUTHORIZER.identitySource.replace(/^route\.request\.querystring\./, '');
    if (!query?.queryStringParameters[tokenParam]) return answerAtSocket(socket, 401);

    const client = clientRequestOf(req);
    const connectedAt = new Date();
    const userAgent = req.headers['user-agent'];
    const base = { id: connections.newId(), connectedAt, sourceIp: client.sourceIp, userAgent, domainName: req.headers.host ?? `127.0.0.1:${client.port}` };
    const connFacts: WsConnectionFacts = { connectionId: base.id, connectedAt: connectedAt.getTime(), sourceIp: base.sourceIp, userAgent, domainName: base.domainName, stage, apiId };
    const authEvent = wsAuthorizerEvent(connFacts, client, query, region, wsPath);

    let answer: unknown;
    const authStarted = Date.now();
    try {
      answer = await integrate(WS_AUTHORIZER.function, authEvent);
    } catch (err) {
      if (errorMessage(err) === 'Unauthorized') return answerAtSocket(socket, 401);
      log.error('ws authorizer failed (API Gateway answers 500 AuthorizerConfigurationException)', err);
      return refuseAuthorizerConfiguration(socket);
    }
    let verdict: ReturnType<typeof judgeAuthorizerAnswer>;
    try {
      verdict = judgeAuthorizerAnswer(answer, authEvent.methodArn);
    } catch (err) {
      log.error('ws authorizer answer refused', err);
      return refuseAuthorizerConfiguration(socket);
    }
    if (!verdict.allowed) return answerAtSocket(socket, 403);
    if (inOutage(verdict.principalId)) return answerAtSocket(socket, 503);

    const authorizer = authorizerContextOf(verdict, Date.now() - authStarted);
    const conn: LocalConnection = { ...base, socket: undefined as unknown as WebSocket, lastActiveAt: connectedAt, authorizer, closing: false };
    const connectEvent: LocalWebsocketEvent = wsConnectEvent(connFacts, client, query, authorizer);
    let status: number;
    let result: unknown;
    try {
      result = await integrate(route('$connect').function, connectEvent);
      status = statusOf(result);
    } catch (err) {
      // A $connect integration that throws or times out refuses the handshake with 502 on AWS.
      log.error(`ws route $connect failed (connection ${conn.id})`, err);
      return answerAtSocket(socket, 502, messageBody('Internal server error'));
    }
    if (status < 200 || status > 299) {
      return answerAtSocket(socket, status, responseBody(result));
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
            closeConnection(conn, 1009, 'Message too big');
          }),
        );
        accept(conn);
      });
    }
    // The client left while $connect ran: $connect succeeded, so $disconnect follows, as in the cloud.
    if (!accepted) track(invokeDisconnect(conn, 1006, ''));
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
          answerAtSocket(socket, 500);
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
              closeConnection(conn, 1001, 'Going away');
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
