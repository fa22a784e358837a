/**
 * The local stack's one HTTP server: the host check (DNS rebinding), the request log, and the routing of every
 * path — `/_aws/s3`, `/_aws/ws` (@connections), `/_aws/events` (PutEvents), the dev issuer, the HTTP API, then
 * the web client.
 */
import * as http from 'node:http';
import type { Socket } from 'node:net';
import type { S3RequestHandler } from './s3/server';
import type { ConnectionRegistry } from './connections';
import type { DevIssuer } from './dev-issuer';
import type { LocalEventBus } from './events';
import type { HttpGateway } from './gateway-http';
import { FOREIGN_HOST_MESSAGE, requestHostAllowed } from './host-check';
import { answerParserErrors } from './http-server';
import { acceptTlsOnSamePort, type LocalTls } from './tls';
import { sendError, sendJson } from './http-util';
import type { Log } from './log';
import { handleManagement, type ManagementCounters } from './management-api';
import type { StaticSite } from './static';
import { S3_PATH } from './stack-uploads';

export type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;

export interface StackServer {
  server: http.Server;
  localTls: LocalTls;
  /** Until a route is set (the stack is starting), requests are answered 503. */
  setRoute(route: RequestHandler): void;
  /** Close the server and every connection still open. */
  close(): Promise<void>;
}

/** `port()` is the port the server listens on, once it does (the host check needs it). */
export async function createStackServer(log: Log, port: () => number): Promise<StackServer> {
  let route: RequestHandler | undefined;
  const server = http.createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    res.on('finish', () => {
      const quiet = url.pathname.startsWith('/_aws/ws/') || url.pathname.startsWith('/assets/');
      (quiet ? log.debug : log.info)(`${req.method} ${url.pathname} ${res.statusCode} ${Date.now() - started}ms`);
    });
    if (!requestHostAllowed(req, port())) {
      req.resume();
      return sendError(res, 403, 'FORBIDDEN', FOREIGN_HOST_MESSAGE);
    }
    if (!route) return sendJson(res, 503, { message: 'the local stack is starting' });
    route(req, res, url).catch((err) => {
      log.error(`${req.method} ${url.pathname} failed`, err);
      if (!res.headersSent) sendError(res, 500, 'INTERNAL', 'internal error');
      else res.destroy();
    });
  });
  answerParserErrors(server);
  // The same port speaks TLS too, so `https://${domainName}/${stage}` from a handler's event reaches @connections.
  // Before the socket tracking below, which then sees every raw socket at once (as local/tls.ts asks).
  const localTls = await acceptTlsOnSamePort(server);
  const sockets = new Set<Socket>();
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  return {
    server,
    localTls,
    setRoute: (r) => {
      route = r;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
        for (const s of sockets) s.destroy();
      }),
  };
}

/** Every HTTP path of the stack, in the order they are tried. */
export function createRoutes(parts: {
  handleS3: S3RequestHandler;
  connections: ConnectionRegistry;
  counters: ManagementCounters;
  events: LocalEventBus;
  issuer: DevIssuer;
  httpGateway: HttpGateway;
  site: StaticSite;
}): RequestHandler {
  const { handleS3, connections, counters, events, issuer, httpGateway, site } = parts;
  return async (req, res, reqUrl) => {
    const p = reqUrl.pathname;
    if (p === S3_PATH || p.startsWith(`${S3_PATH}/`)) {
      if (await handleS3(req, res)) return;
    }
    if (await handleManagement(req, res, p, connections, counters)) return;
    if (await events.handle(req, res, p)) return;
    if (await issuer.handle(req, res, p)) return;
    if (await httpGateway.handle(req, res, reqUrl)) return;
    if (p === '/ws' || p === '/ws/') return sendJson(res, 426, { message: 'Upgrade Required' }, { upgrade: 'websocket' });
    if (p.startsWith('/_aws/')) return sendJson(res, 404, { message: `no local AWS endpoint ${p}` });
    if (await site.handle(req, res, reqUrl)) return;
    sendError(res, 404, 'NOT_FOUND', `no route for ${req.method} ${p}`);
  };
}
