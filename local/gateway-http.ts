/**
 * The HTTP API (payload format 2.0) at `/api/...`: each HTTP_ROUTES entry of lib/wiring.ts becomes an
 * `APIGatewayProxyEventV2` for its function, and the `APIGatewayProxyResultV2` becomes the response (a
 * structured result, or a plain string/object -> 200 JSON, as API Gateway does). Route precedence follows API
 * Gateway: a static segment beats a `{param}`. No route (or a known path with another method) -> 404; preflights
 * are answered by the gateway's CORS configuration; every route is behind the JWT authorizer (local/jwt-authorizer.ts:
 * 401 `{"message":"Unauthorized"}` before any function runs); bodies over 1 MB -> 413. A route table API Gateway
 * would refuse (lib/route-rules.ts) fails the gateway's creation, so `npm start` stops with the reason.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2WithJWTAuthorizer, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { assertHttpRoutes } from '../lib/route-rules';
import { HTTP_ROUTES, type HttpRouteDef } from '../lib/wiring';
import { answerPreflight, corsHeaders, type OriginCheck } from './cors';
import { clientRequestOf, httpApiEvent } from './events-apigw';
import { HTTP_INTEGRATION_TIMEOUT_MS, IntegrationTimeoutError, withIntegrationTimeout, type FunctionRegistry } from './functions';
import type { JwtAuthorizer } from './jwt-authorizer';
import { BodyTooLargeError, gatewayId, readBody, sendError } from './http-util';
import type { Log } from './log';

export const API_PREFIX = '/api';
export const MAX_BODY_BYTES = 1024 * 1024;

interface CompiledRoute {
  def: HttpRouteDef;
  routeKey: string;
  segments: { literal?: string; param?: string }[];
}

export function compileRoutes(routes: readonly HttpRouteDef[] = HTTP_ROUTES): CompiledRoute[] {
  return assertHttpRoutes(routes).map((def) => ({
    def,
    routeKey: `${def.method} ${def.path}`,
    segments: def.path
      .split('/')
      .filter(Boolean)
      .map((s) => (/^\{[^}]+\}$/.test(s) ? { param: s.slice(1, -1) } : { literal: s })),
  }));
}

/** The best route for a method and path, with its decoded path parameters (static segments beat {params}). */
export function matchRoute(
  routes: CompiledRoute[],
  method: string,
  pathname: string,
): { route: CompiledRoute; params: Record<string, string> } | undefined {
  const raw = pathname.split('/').filter(Boolean);
  let best: { route: CompiledRoute; params: Record<string, string>; score: string } | undefined;
  for (const route of routes) {
    if (route.def.method !== method || route.segments.length !== raw.length) continue;
    const params: Record<string, string> = {};
    let score = '';
    let ok = true;
    for (let i = 0; i < raw.length && ok; i++) {
      const seg = route.segments[i];
      let value: string;
      try {
        value = decodeURIComponent(raw[i]);
      } catch {
        value = raw[i];
      }
      if (seg.literal !== undefined) {
        ok = seg.literal === value;
        score += '1';
      } else {
        params[seg.param as string] = value;
        score += '0';
      }
    }
    // Lexicographic on "1"/"0" per segment: the earliest static segment wins, like API Gateway.
    if (ok && (!best || score > best.score)) best = { route, params, score };
  }
  return best && { route: best.route, params: best.params };
}

interface Reply {
  status: number;
  headers: Record<string, string | string[]>;
  body: Buffer;
}

/** APIGatewayProxyResultV2 -> HTTP response, as API Gateway interprets payload format 2.0. */
export function toReply(result: unknown): Reply {
  const json = (text: string): Reply => ({ status: 200, headers: { 'content-type': 'application/json' }, body: Buffer.from(text) });
  if (typeof result === 'string') return json(result);
  if (!result || typeof result !== 'object' || typeof (result as { statusCode?: unknown }).statusCode !== 'number') {
    return json(JSON.stringify(result ?? null));
  }
  const r = result as APIGatewayProxyStructuredResultV2 & { cookies?: string[] };
  const headers: Record<string, string | string[]> = {};
  for (const [k, v] of Object.entries(r.headers ?? {})) headers[k.toLowerCase()] = String(v);
  if (Array.isArray(r.cookies) && r.cookies.length) headers['set-cookie'] = r.cookies;
  const body = r.body === undefined ? Buffer.alloc(0) : Buffer.from(r.body, r.isBase64Encoded ? 'base64' : 'utf8');
  if (body.length && !headers['content-type']) headers['content-type'] = 'application/json';
  return { status: r.statusCode as number, headers, body };
}

export interface HttpGatewayOptions {
  functions: FunctionRegistry;
  log: Log;
  allowedOrigin: OriginCheck;
  /** The JWT authorizer every route is behind. */
  authorizer: JwtAuthorizer;
  apiId?: string;
  /** The route table (default: the wiring's HTTP_ROUTES). */
  routes?: readonly HttpRouteDef[];
  /** API Gateway's integration timeout (30 s; tests shorten it). */
  integrationTimeoutMs?: number;
}

export interface HttpGateway {
  /** Handles the request when its path is under /api; returns false otherwise. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean>;
}

export function createHttpGateway(opts: HttpGatewayOptions): HttpGateway {
  const { functions, log, allowedOrigin, authorizer } = opts;
  const apiId = opts.apiId ?? 'local';
  const routes = compileRoutes(opts.routes);

  return {
    async handle(req, res, url) {
      if (url.pathname !== API_PREFIX && !url.pathname.startsWith(`${API_PREFIX}/`)) return false;
      if (answerPreflight(req, res, allowedOrigin)) return true;
      const cors = corsHeaders(req, allowedOrigin);
      const requestId = gatewayId();
      const method = req.method ?? 'GET';
      const match = matchRoute(routes, method, url.pathname);
      if (!match) {
        req.resume();
        sendError(res, 404, 'NOT_FOUND', `no route for ${method} ${url.pathname}`, { ...cors, 'apigw-requestid': requestId });
        return true;
      }
      const auth = await authorizer.authorize(Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(',') : v])));
      if (!auth.ok) {
        req.resume();
        log.debug(`http ${match.route.routeKey} refused by the JWT authorizer: ${auth.reason}`);
        const body = Buffer.from(JSON.stringify({ message: 'Unauthorized' }));
        res.writeHead(401, { 'content-type': 'application/json', ...cors, 'apigw-requestid': requestId, 'content-length': String(body.length) });
        res.end(body);
        return true;
      }
      let raw: Buffer;
      try {
        raw = await readBody(req, MAX_BODY_BYTES);
      } catch (err) {
        if (err instanceof BodyTooLargeError) sendError(res, 413, 'TOO_LARGE', 'request body is over 1 MB', { ...cors, connection: 'close' });
        else sendError(res, 400, 'BAD_REQUEST', 'could not read the request body', cors);
        return true;
      }
      const event = httpApiEvent({
        client: clientRequestOf(req),
        method,
        url,
        httpVersion: req.httpVersion,
        routeKey: match.route.routeKey,
        pathParameters: match.params,
        body: raw,
        requestId,
        apiId,
      });
      const authorized: APIGatewayProxyEventV2WithJWTAuthorizer = { ...event, requestContext: { ...event.requestContext, authorizer: auth.authorizer } };
      let reply: Reply;
      try {
        reply = toReply(await withIntegrationTimeout(functions.invoke(match.route.def.function, authorized), opts.integrationTimeoutMs ?? HTTP_INTEGRATION_TIMEOUT_MS));
      } catch (err) {
        log.error(`http ${match.route.routeKey} failed`, err);
        // API Gateway's own answers: its integration timeout is 503, a failed function 500.
        reply =
          err instanceof IntegrationTimeoutError
            ? { status: 503, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ message: 'Service Unavailable' })) }
            : { status: 500, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ message: 'Internal Server Error' })) };
      }
      if (!Number.isInteger(reply.status) || reply.status < 100 || reply.status > 599) {
        log.error(`http ${match.route.routeKey} returned an invalid statusCode ${reply.status}`);
        reply = { status: 500, headers: { 'content-type': 'application/json' }, body: Buffer.from(JSON.stringify({ message: 'Internal Server Error' })) };
      }
      // The gateway's CORS configuration wins over the function's own CORS headers, as in HTTP API.
      for (const k of Object.keys(reply.headers)) if (k.startsWith('access-control-')) delete reply.headers[k];
      if (!res.headersSent) {
        res.writeHead(reply.status, { ...reply.headers, ...cors, 'apigw-requestid': requestId, 'content-length': String(reply.body.length) });
        res.end(reply.body);
      }
      return true;
    },
  };
}
