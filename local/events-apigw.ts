/**
 * The events API Gateway hands to Lambda, built the way real ones are (pure functions: ids and clocks come from the
 * caller or from small helpers). test/fixtures/aws-samples/ holds real events from public AWS sources and
 * test/integration/local-event-shapes.test.ts checks what the running gateway gives a handler against them,
 * field by field. Where a real event has no field that an @types/aws-lambda type demands, the field is kept for the
 * type's sake and listed there as a documented extra (docs/LOCAL.md, "How close to AWS").
 */
import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type {
  APIGatewayEventWebsocketRequestContextV2,
  APIGatewayProxyEventV2,
  APIGatewayProxyWebsocketEventV2,
  APIGatewayProxyWebsocketEventV2WithRequestContext,
  APIGatewayRequestAuthorizerEvent,
} from 'aws-lambda';
import { ACCOUNT_ID, clfTime, gatewayId, sourceIp } from './http-util';

/** The stage of the local WebSocket API: `https://${domainName}/${stage}` is where its Management API answers. */
export const LOCAL_STAGE = 'local';
/** The local APIs' id (`requestContext.apiId`, ARNs). */
export const LOCAL_API_ID = 'local';

/** What the gateway saw of a client's HTTP request (a WebSocket upgrade or an HTTP API call). */
export interface ClientRequest {
  /** Header name/value pairs as received, names in the client's case. */
  rawHeaders: string[];
  sourceIp: string;
  /** The local listener's port and whether the client came over TLS: what X-Forwarded-Port/-Proto say. */
  port: number;
  secure: boolean;
}

export function clientRequestOf(req: IncomingMessage): ClientRequest {
  return { rawHeaders: req.rawHeaders, sourceIp: sourceIp(req), port: req.socket.localPort ?? 0, secure: (req.socket as TLSSocket).encrypted === true };
}

/** An X-Ray trace header as API Gateway adds one: Root=1-<epoch seconds, hex>-<96 random bits, hex>. */
export function newTraceId(now = Date.now()): string {
  return `Root=1-${Math.floor(now / 1000).toString(16).padStart(8, '0')}-${randomBytes(12).toString('hex')}`;
}

/**
 * The client's headers plus the ones API Gateway adds in front of every integration (all real samples carry them):
 * X-Amzn-Trace-Id (the client's own is passed on), X-Forwarded-For (the client's list with the source address
 * appended), X-Forwarded-Port and X-Forwarded-Proto (API Gateway's own listener, which a client can't choose).
 */
export function forwardedHeaderPairs(client: ClientRequest): [string, string][] {
  const pairs: [string, string][] = [];
  let forwardedFor: string | undefined;
  let trace: string | undefined;
  for (let i = 0; i + 1 < client.rawHeaders.length; i += 2) {
    const [name, value] = [client.rawHeaders[i], client.rawHeaders[i + 1]];
    const lower = name.toLowerCase();
    if (lower === 'x-forwarded-for') forwardedFor = forwardedFor ? `${forwardedFor}, ${value}` : value;
    else if (lower === 'x-amzn-trace-id') trace ??= value;
    else if (lower !== 'x-forwarded-port' && lower !== 'x-forwarded-proto') pairs.push([name, value]);
  }
  pairs.push(
    ['X-Amzn-Trace-Id', trace ?? newTraceId()],
    ['X-Forwarded-For', forwardedFor ? `${forwardedFor}, ${client.sourceIp}` : client.sourceIp],
    ['X-Forwarded-Port', String(client.port)],
    ['X-Forwarded-Proto', client.secure ? 'https' : 'http'],
  );
  return pairs;
}

/** Payload format 1.0 headers (WebSocket APIs): `headers` keeps a repeated header's last value, `multiValueHeaders` all. */
export function v1Headers(pairs: [string, string][]): { headers: Record<string, string>; multiValueHeaders: Record<string, string[]> } {
  const headers: Record<string, string> = {};
  const multiValueHeaders: Record<string, string[]> = {};
  for (const [name, value] of pairs) {
    headers[name] = value;
    (multiValueHeaders[name] ??= []).push(value);
  }
  return { headers, multiValueHeaders };
}

export interface V1Query {
  queryStringParameters: Record<string, string>;
  multiValueQueryStringParameters: Record<string, string[]>;
}

/** Payload format 1.0 query strings: the last value of a repeated parameter, and all of them. */
export function v1Query(url: URL): V1Query | undefined {
  const multi: Record<string, string[]> = {};
  for (const [k, v] of url.searchParams) (multi[k] ??= []).push(v);
  if (!Object.keys(multi).length) return undefined;
  return { queryStringParameters: Object.fromEntries(Object.entries(multi).map(([k, v]) => [k, v[v.length - 1]])), multiValueQueryStringParameters: multi };
}

// ---------------------------------------------------------------------------------------------------------------
// WebSocket API

/** `requestContext.authorizer` on every route of a connection: the authorizer's context, its principal, its latency. */
export type WsAuthorizerContext = Record<string, string | number>;

/** What a WebSocket event's requestContext carries: the typed V2 context plus what API Gateway also sends. */
export type LocalWebsocketRequestContext = APIGatewayEventWebsocketRequestContextV2 & {
  authorizer?: WsAuthorizerContext;
  identity: { sourceIp: string; userAgent?: string };
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

/** What every event of one connection shares. */
export interface WsConnectionFacts {
  connectionId: string;
  connectedAt: number;
  sourceIp: string;
  /** Only when the client sent a User-Agent: real events then have `identity.userAgent`, else not. */
  userAgent?: string;
  /** The handshake's Host header, as API Gateway reports it. */
  domainName: string;
  stage: string;
  apiId: string;
}

function wsContext(c: WsConnectionFacts, routeKey: string, eventType: LocalWebsocketRequestContext['eventType'], now: Date) {
  // requestId is the same value as extendedRequestId on WebSocket APIs ($context.requestId in the mapping template reference).
  const id = gatewayId();
  return {
    routeKey,
    // Real CONNECT/DISCONNECT events have no messageId ("available only when eventType is MESSAGE"); the @types
    // context demands one, so it is there on every event (a documented extra).
    messageId: gatewayId(),
    eventType,
    extendedRequestId: id,
    requestTime: clfTime(now),
    messageDirection: 'IN' as const,
    stage: c.stage,
    connectedAt: c.connectedAt,
    requestTimeEpoch: now.getTime(),
    identity: { sourceIp: c.sourceIp, ...(c.userAgent !== undefined ? { userAgent: c.userAgent } : {}) },
    requestId: id,
    domainName: c.domainName,
    connectionId: c.connectionId,
    apiId: c.apiId,
  };
}

/**
 * The REQUEST authorizer's event for `$connect` (AWS sample: apigateway-websocket-api-lambda-auth). API Gateway
 * passes the upgrade's headers as they came (Connection and Upgrade included) plus its own, and a `content-length: 0`.
 * `resource`, `path`, `httpMethod`, `pathParameters` and the REST-style context fields are not in real WebSocket
 * authorizer events; APIGatewayRequestAuthorizerEvent demands them, so they are here as documented extras.
 */
export function wsAuthorizerEvent(c: WsConnectionFacts, client: ClientRequest, query: V1Query, region: string, path: string, now = new Date(c.connectedAt)): APIGatewayRequestAuthorizerEvent {
  const { headers, multiValueHeaders } = v1Headers([...forwardedHeaderPairs(client), ['content-length', '0']]);
  const ctx = wsContext(c, '$connect', 'CONNECT', now);
  return {
    type: 'REQUEST',
    methodArn: `arn:aws:execute-api:${region}:${ACCOUNT_ID}:${c.apiId}/${c.stage}/$connect`,
    headers,
    multiValueHeaders,
    ...query,
    stageVariables: {},
    requestContext: {
      routeKey: ctx.routeKey,
      eventType: ctx.eventType,
      extendedRequestId: ctx.extendedRequestId,
      requestTime: ctx.requestTime,
      messageDirection: ctx.messageDirection,
      stage: ctx.stage,
      connectedAt: ctx.connectedAt,
      requestTimeEpoch: ctx.requestTimeEpoch,
      identity: {
        sourceIp: c.sourceIp,
        userAgent: c.userAgent ?? null,
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
        user: null,
        userArn: null,
      },
      requestId: ctx.requestId,
      domainName: ctx.domainName,
      connectionId: ctx.connectionId,
      apiId: ctx.apiId,
      // Demanded by the type, absent from real WebSocket authorizer events:
      accountId: ACCOUNT_ID,
      authorizer: undefined,
      protocol: 'HTTP/1.1',
      httpMethod: 'GET',
      path,
      resourceId: '$connect',
      resourcePath: '$connect',
    },
    resource: '$connect',
    path,
    httpMethod: 'GET',
    pathParameters: null,
  };
}

/** Hop-by-hop headers of the upgrade that the `$connect` route's event doesn't carry (the authorizer's does). */
const NOT_ON_CONNECT = new Set(['connection', 'upgrade']);

/** The `$connect` route's event (AWS sample: apigateway-websocket-api-integration-requests, "Input from the $connect route"). */
export function wsConnectEvent(c: WsConnectionFacts, client: ClientRequest, query: V1Query | undefined, authorizer: WsAuthorizerContext, now = new Date()): LocalWebsocketEvent {
  const pairs = forwardedHeaderPairs(client).filter(([name]) => !NOT_ON_CONNECT.has(name.toLowerCase()));
  return {
    ...v1Headers(pairs),
    ...(query ?? {}),
    requestContext: { ...wsContext(c, '$connect', 'CONNECT', now), authorizer },
    isBase64Encoded: false,
  };
}

/** A frame routed to `routeKey` (real sample: aws-lambda-go apigw-websocket-request-send-message.json): no headers. */
export function wsMessageEvent(c: WsConnectionFacts, routeKey: string, body: string, authorizer: WsAuthorizerContext | undefined, now = new Date()): LocalWebsocketEvent {
  return {
    requestContext: { ...wsContext(c, routeKey, 'MESSAGE', now), ...(authorizer ? { authorizer } : {}) },
    body,
    isBase64Encoded: false,
  };
}

/**
 * `$disconnect` (real samples: aws-lambda-go apigw-websocket-request-disconnect.json, the AWS docs' "Input from the
 * $disconnect route"): API Gateway sends these four headers, not the client's, with empty x-api-key, X-Forwarded-For
 * and x-restapi.
 */
export function wsDisconnectEvent(c: WsConnectionFacts, code: number, reason: string, authorizer: WsAuthorizerContext, now = new Date()): LocalWebsocketEvent {
  const pairs: [string, string][] = [['Host', c.domainName], ['x-api-key', ''], ['X-Forwarded-For', ''], ['x-restapi', '']];
  return {
    ...v1Headers(pairs),
    requestContext: { ...wsContext(c, '$disconnect', 'DISCONNECT', now), disconnectStatusCode: code, disconnectReason: reason, authorizer },
    isBase64Encoded: false,
  };
}

/**
 * `$disconnect`'s code and reason for a close the client started, as API Gateway writes them: a close frame without a
 * status is 1005 "Client-side close frame status not set" (the AWS docs' $disconnect sample); with a status, its code
 * and the client's own reason text (real samples: 1001 with "" from browsers leaving a page); no close frame at all
 * is 1006 (no real sample seen; the reason is left empty).
 */
export function clientCloseCause(code: number, reason: string): { code: number; reason: string } {
  if (code === 1005) return { code, reason: 'Client-side close frame status not set' };
  if (code === 1006) return { code, reason: '' };
  return { code, reason };
}

/**
 * The frame API Gateway sends a client when a two-way route's integration fails (the function threw or timed out),
 * byte for byte as seen from a real API (spacing included): the socket stays open.
 */
export function wsIntegrationErrorFrame(message: 'Internal server error' | 'Endpoint request timed out', connectionId: string, requestId: string): string {
  return `{"message": "${message}", "connectionId":"${connectionId}", "requestId":"${requestId}"}`;
}

// ---------------------------------------------------------------------------------------------------------------
// HTTP API (payload format 2.0)

const TEXT_TYPES = /^(text\/|application\/(json|xml|javascript|x-www-form-urlencoded|graphql)|[^;]*\+(json|xml))/i;

/** Payload format 2.0 headers: lower-case names, repeated headers joined with commas, cookies apart. */
function v2Headers(pairs: [string, string][]): { headers: Record<string, string>; cookies: string[] } {
  const headers: Record<string, string> = {};
  let cookies: string[] = [];
  for (const [rawName, value] of pairs) {
    const name = rawName.toLowerCase();
    if (name === 'cookie') {
      cookies = cookies.concat(value.split(';').map((c) => c.trim()).filter(Boolean));
      continue;
    }
    headers[name] = headers[name] === undefined ? value : `${headers[name]},${value}`;
  }
  return { headers, cookies };
}

export interface HttpApiRequest {
  client: ClientRequest;
  method: string;
  url: URL;
  httpVersion: string;
  routeKey: string;
  pathParameters: Record<string, string>;
  body: Buffer;
  requestId: string;
  apiId: string;
  now?: Date;
}

/** The HTTP API's event (real sample: aws-lambda-go apigw-v2-request-no-authorizer.json). */
export function httpApiEvent(r: HttpApiRequest): APIGatewayProxyEventV2 {
  const { headers, cookies } = v2Headers(forwardedHeaderPairs(r.client));
  const isText = TEXT_TYPES.test(headers['content-type'] ?? '');
  const now = r.now ?? new Date();
  const host = headers.host ?? '127.0.0.1';
  const query: Record<string, string> = {};
  for (const [k, v] of r.url.searchParams) query[k] = query[k] === undefined ? v : `${query[k]},${v}`;
  return {
    version: '2.0',
    routeKey: r.routeKey,
    rawPath: r.url.pathname,
    rawQueryString: r.url.search.replace(/^\?/, ''),
    ...(cookies.length ? { cookies } : {}),
    headers,
    ...(Object.keys(query).length ? { queryStringParameters: query } : {}),
    ...(Object.keys(r.pathParameters).length ? { pathParameters: r.pathParameters } : {}),
    requestContext: {
      accountId: ACCOUNT_ID,
      apiId: r.apiId,
      domainName: host,
      domainPrefix: host.split('.')[0],
      http: { method: r.method, path: r.url.pathname, protocol: `HTTP/${r.httpVersion}`, sourceIp: r.client.sourceIp, userAgent: headers['user-agent'] ?? '' },
      requestId: r.requestId,
      routeKey: r.routeKey,
      stage: '$default',
      // The request time in API Gateway's CLF format (21/Apr/2020:15:08:21 +0000), not ISO 8601.
      time: clfTime(now),
      timeEpoch: now.getTime(),
    },
    ...(r.body.length ? { body: isText ? r.body.toString('utf8') : r.body.toString('base64') } : {}),
    isBase64Encoded: r.body.length > 0 && !isText,
  };
}
