/**
 * The local stack: DynamoDB Local + tables from lib/wiring.ts + one HTTP/WebSocket server on 127.0.0.1 that
 * plays API Gateway (WebSocket API, HTTP API, @connections), EventBridge (PutEvents) and a dev token issuer, and
 * serves the web client. `npm start` (local/main.ts) and the test harness (test/support/stack.ts) both call
 * `startStack`.
 *
 * The handlers read their environment once per process, so the stack sets it BEFORE importing them, and there
 * is one stack per process at a time (a later stack in the same process must keep the same port, tables and
 * DynamoDB endpoint, or the handlers keep talking to the old ones).
 */
import * as http from 'node:http';
import * as path from 'node:path';
import { assertHttpRoutes, assertWsRoutes } from '../lib/route-rules';
import type { WebConfig } from '../lambdas/contract/web-config';
import type { S3Event } from 'aws-lambda';
import {
  DEFAULT_EVENT_BUS_NAME,
  ENV,
  HTTP_ROUTES,
  LOCAL_UPLOADS_BUCKET_NAME,
  S3_TRIGGERS,
  TABLES,
  UPLOADS_LIFECYCLE,
  WS_ROUTES,
  type HttpRouteDef,
  type TableKey,
} from '../lib/wiring';
import { createS3Handler } from './s3/server';
import { startLifecycle, type LifecycleRunner } from './s3/lifecycle';
import { fileStore, memoryStore, type ObjectStore } from './s3/store';
import { ConnectionRegistry } from './connections';
import { originAllowed } from './cors';
import { startCountingProxy, type CountingProxy } from './counting-proxy';
import { createDevIssuer, type DevIssuer } from './dev-issuer';
import { dynamoClient, startDynamoLocal, type DynamoCredentials, type DynamoLocal } from './dynamo';
import { LocalEventBus } from './events';
import { createFunctionRegistry, REPO_ROOT, type FunctionOverrides } from './functions';
import { createHttpGateway } from './gateway-http';
import { createJwtAuthorizer } from './jwt-authorizer';
import { createWsGateway, type WsLimits } from './gateway-ws';
import { sendError, sendJson } from './http-util';
import { createLog, errorMessage, type Log, type LogLevel } from './log';
import { FOREIGN_HOST_MESSAGE, requestHostAllowed } from './host-check';
import { answerAtSocket, answerParserErrors, assertPortFree, listen, messageBody } from './http-server';
import { dropConnectionRows, migrateFriendFlags, migrateUnreadKeys } from './migrations';
import { handleManagement, type ManagementCounters } from './management-api';
import { demoUsers, seedDemoData } from './seed';
import { createStaticSite, prepareWeb } from './static';
import { DEFAULT_TABLE_PREFIX, ensureTables, type TableNames } from './tables';
import { acceptTlsOnSamePort } from './tls';

export const DEFAULT_PORT = 3000;
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.parley', 'data');
/** Where the local S3 endpoint keeps its objects (kept across restarts like the tables). */
export const DEFAULT_S3_DIR = path.join(REPO_ROOT, '.parley', 's3');
/** The local S3 endpoint's path on the stack's one port: the browser uploads to the page's own origin. */
export const S3_PATH = '/_aws/s3';
export const JWT_AUDIENCE = 'parley-local';

export interface StackOptions {
  /** HTTP/WS port on 127.0.0.1 (default 3000; 0 = any free port). */
  port?: number;
  /** Keep DynamoDB Local in memory (nothing survives a restart). */
  inMemory?: boolean;
  /** Where DynamoDB Local keeps its file (default .parley/data). */
  dataDir?: string;
  /** Use this DynamoDB endpoint instead of starting DynamoDB Local. */
  dynamoEndpoint?: string;
  /** The credentials for `dynamoEndpoint` (default: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, else "local"). */
  dynamoCredentials?: DynamoCredentials;
  /** Physical table names are `<prefix><wiring id>` (default "parley-"). */
  tablePrefix?: string;
  /** Seed the demo users and friendships (default true). */
  seed?: boolean;
  region?: string;
  /** Event bus name PutEvents accepts (default PARLEY_EVENT_BUS or "parley"). */
  eventBusName?: string;
  /** More browser origins for the WebSocket authorizer and CORS (PARLEY_ALLOWED_ORIGINS). */
  extraOrigins?: string[];
  /** More environment for the handlers (applied last, so it can override the stack's). */
  env?: Record<string, string>;
  /** Count DynamoDB requests by operation through a proxy (PostToConnection calls are always counted). */
  countCalls?: boolean;
  /** Port of the counting proxy (default: any free port). */
  countingProxyPort?: number;
  /** Replace a function's handler (fixture module path or handler function), e.g. for fault tests. */
  functions?: FunctionOverrides;
  /** Build web/dist with `npm run build:web` when it is missing (default true). */
  buildWeb?: boolean;
  /** Serve this folder instead of web/dist. */
  webDist?: string;
  /** Delays before each retry of a failed event delivery (default [200, 400]: two retries). */
  eventRetryDelaysMs?: number[];
  /** Override WS_LIMITS (tests of the idle timeout, for instance). */
  wsLimits?: Partial<WsLimits>;
  /**
   * Sign users in with a real OpenID Provider instead of the dev issuer: the WebSocket authorizer, the HTTP API's
   * JWT authorizer and the web client's config.json all use it (the dev issuer's tokens are then refused).
   */
  oidc?: OidcOptions;
  /** The HTTP API's route table (default: the wiring's); tests pass a bad one to see it refused. */
  httpRoutes?: readonly HttpRouteDef[];
  /** Override the HTTP API's 30 s integration timeout (tests). */
  httpIntegrationTimeoutMs?: number;
  /** Where the local S3 endpoint keeps objects (default .parley/s3; in memory when `inMemory`). */
  s3Dir?: string;
  /** The clock of the uploads bucket's lifecycle sweep (tests move it); default the real one. */
  lifecycleNow?: () => Date;
  /** Multiply the functions' configured timeouts (default 1: Lambda's; the test harness gives a busy machine room). */
  functionTimeoutScale?: number;
  log?: Log | LogLevel;
}

export interface OidcOptions {
  /** Exactly as the provider's tokens spell `iss` (its discovery document must say the same). */
  issuer: string;
  /** `aud` values accepted (the web client's client id first). */
  audience: string[];
  /** The web client's client id (default: the first audience). */
  clientId?: string;
  scopes?: string[];
  /** Where the keys are; default: the discovery document's `jwks_uri`. */
  jwksUri?: string;
}

export interface CallCounts {
  /** DynamoDB requests by operation (only with countCalls). */
  dynamo: Record<string, number>;
  /** PostToConnection calls received by the @connections endpoint. */
  readonly postToConnection: number;
  reset(): void;
  /** Total DynamoDB requests (PostToConnection not included). */
  total(): number;
}

export interface Stack {
  url: string;
  wsUrl: string;
  port: number;
  region: string;
  tables: TableNames;
  tablePrefix: string;
  /** DynamoDB as the stack itself reaches it. */
  dynamoEndpoint: string;
  /** The key whose database holds the tables (DynamoDB Local keeps one per key: any other sees nothing). */
  dynamoCredentials: DynamoCredentials;
  /** DynamoDB as the handlers reach it (the counting proxy when countCalls). */
  handlerDynamoEndpoint: string;
  /** The DynamoDB Local process, when this stack started it. */
  dynamo?: DynamoLocal;
  issuer: DevIssuer;
  events: LocalEventBus;
  connections: ConnectionRegistry;
  /** The local S3 endpoint's objects (bucket `parley-uploads`) and its SDK endpoint (`<url>/_aws/s3`). */
  s3: { store: ObjectStore; endpoint: string; bucket: string; lifecycle: LifecycleRunner };
  /** Resolves when every S3 notification so far has been handled by its function. */
  drainUploads(): Promise<void>;
  calls: CallCounts;
  /** The environment given to the handlers. */
  env: Record<string, string>;
  /** Things worth telling the user at start (e.g. the web client was built / is a placeholder). */
  notes: string[];
  drainEvents(): Promise<void>;
  /** For tests: drop one user's (or every) WebSocket connection and refuse their handshakes until `end()`. */
  socketOutage(opts?: { userId?: string }): Promise<{ end(): void }>;
  stop(): Promise<void>;
}

let active: Stack | undefined;
let previousHandlerEnv: Record<string, string> | undefined;

type RequestHandler = (req: http.IncomingMessage, res: http.ServerResponse, url: URL) => Promise<void>;

const HANDLER_LOG_LEVEL: Record<LogLevel, string> = { silent: 'SILENT', error: 'ERROR', warn: 'WARN', info: 'WARN', debug: 'DEBUG' };

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  // A wiring API Gateway would refuse stops us here, before anything starts, as it would stop `cdk synth`.
  const httpRoutes = assertHttpRoutes(options.httpRoutes ?? HTTP_ROUTES);
  assertWsRoutes(WS_ROUTES);
  if (active) throw new Error(`a local stack is already running in this process (${active.url}); the handlers read their environment once, so stop it first`);
  const log = typeof options.log === 'object' ? options.log : createLog(options.log ?? 'info');
  const region = options.region ?? process.env.AWS_REGION ?? 'us-east-1';
  const prefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX;
  const busName = options.eventBusName ?? process.env.PARLEY_EVENT_BUS ?? DEFAULT_EVENT_BUS_NAME;
  const cleanups: (() => Promise<void> | void)[] = [];
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        log.error('stopping the local stack', err);
      }
    }
    cleanups.length = 0;
  };

  try {
    // 0. The port first: a port in use must stop us before any java starts.
    if (options.port) await assertPortFree(options.port);
    // 1. DynamoDB (Local) and the tables.
    let dynamo: DynamoLocal | undefined;
    let dynamoEndpoint = options.dynamoEndpoint;
    if (!dynamoEndpoint) {
      const dataDir = options.inMemory ? undefined : path.resolve(options.dataDir ?? DEFAULT_DATA_DIR);
      dynamo = await startDynamoLocal({ dataDir, log, region });
      cleanups.push(() => dynamo?.stop());
      dynamoEndpoint = dynamo.endpoint;
    }
    const dynamoCredentials: DynamoCredentials = dynamo?.credentials ??
      options.dynamoCredentials ?? {
        accessKeyId: process.env.AWS_ACCESS_KEY_ID || 'local',
        secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY || 'local',
      };
    const admin = dynamoClient(dynamoEndpoint, dynamoCredentials, region);
    cleanups.push(() => admin.destroy());
    const { names: tables, created } = await ensureTables(admin, prefix);
    if (created.length) log.debug(`created tables ${created.join(', ')}`);
    else {
      const migrated = await migrateUnreadKeys(admin, tables.main);
      if (migrated) log.info(`rewrote the unread keys of ${migrated} message(s) kept by an earlier version (docs/DATA.md)`);
      const dropped = await dropConnectionRows(admin, tables.connections);
      if (dropped) log.info(`dropped ${dropped} connection row(s) of an earlier version's shape (docs/DATA.md)`);
      const flagged = await migrateFriendFlags(admin, tables.main);
      if (flagged) log.info(`flagged ${flagged} conversation row(s) of existing friendships (docs/DATA.md)`);
    }

    let proxy: CountingProxy | undefined;
    if (options.countCalls) {
      proxy = await startCountingProxy(dynamoEndpoint, options.countingProxyPort);
      cleanups.push(() => proxy?.stop());
    }
    const handlerDynamoEndpoint = proxy?.endpoint ?? dynamoEndpoint;

    // 2. The server, listening first: the handlers' environment names its port.
    let route: RequestHandler | undefined;
    const server = http.createServer((req, res) => {
      const started = Date.now();
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      res.on('finish', () => {
        const quiet = url.pathname.startsWith('/_aws/ws/') || url.pathname.startsWith('/assets/');
        (quiet ? log.debug : log.info)(`${req.method} ${url.pathname} ${res.statusCode} ${Date.now() - started}ms`);
      });
      if (!requestHostAllowed(req, port)) {
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
    const localTls = await acceptTlsOnSamePort(server);
    const sockets = new Set<import('node:net').Socket>();
    server.on('connection', (s) => {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
    });
    const port = await listen(server, options.port ?? DEFAULT_PORT);
    cleanups.push(localTls.trustInProcess(port));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
          for (const s of sockets) s.destroy();
        }),
    );
    const url = `http://127.0.0.1:${port}`;
    const origins = [url, `http://localhost:${port}`, ...(options.extraOrigins ?? [])].map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);

    // 3. The handlers' environment, then the handlers.
    const tableEnv = Object.fromEntries((Object.keys(TABLES) as TableKey[]).map((k) => [TABLES[k].envVar, tables[k]]));
    const env: Record<string, string> = {
      ...tableEnv,
      [ENV.wsManagementEndpoint]: `${url}/_aws/ws`,
      // No JWKS_URI: the authorizers find the keys through the issuer's discovery document, as in the cloud.
      [ENV.jwtIssuer]: options.oidc?.issuer ?? `${url}/dev`,
      [ENV.jwtAudience]: (options.oidc?.audience ?? [JWT_AUDIENCE]).join(','),
      ...(options.oidc?.jwksUri ? { [ENV.jwksUri]: options.oidc.jwksUri } : {}),
      [ENV.allowedOrigins]: [...new Set(origins)].join(','),
      AWS_ENDPOINT_URL_DYNAMODB: handlerDynamoEndpoint,
      // The uploads bucket on the stack's own S3-compatible endpoint, on the page's origin: URLs the handlers sign
      // (presigned POST, file GETs) are fetched by the browser from there.
      [ENV.uploadsBucket]: LOCAL_UPLOADS_BUCKET_NAME,
      AWS_ENDPOINT_URL_S3: `${url}${S3_PATH}`,
      AWS_REGION: region,
      // The handlers' SDK clients reach the tables with the stack's key (they reach nothing else with it).
      AWS_ACCESS_KEY_ID: dynamoCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: dynamoCredentials.secretAccessKey,
      // The handlers' own JSON logs (Powertools): one line per event at INFO is the cloud's audit trail, but noise
      // at a developer's console, so locally they show from WARN up unless --log debug (or POWERTOOLS_LOG_LEVEL).
      POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL || HANDLER_LOG_LEVEL[log.level],
      ...(options.env ?? {}),
    };
    const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
    Object.assign(process.env, env);
    cleanups.push(() => {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    });
    if (previousHandlerEnv) {
      const changed = Object.keys(env).filter((k) => previousHandlerEnv?.[k] !== env[k] && !k.startsWith('AWS_ACCESS') && !k.startsWith('AWS_SECRET'));
      if (changed.length) log.warn(`handlers already loaded in this process read their environment once; ${changed.join(', ')} changed since the last stack`);
    }
    previousHandlerEnv = env;

    const functions = createFunctionRegistry(options.functions, region, options.functionTimeoutScale);
    for (const { key, error } of await functions.preload()) log.warn(`function ${key} could not be loaded: ${errorMessage(error)}`);

    // 4. The endpoints.
    const allowedOrigin = originAllowed(origins);
    const connections = new ConnectionRegistry();
    const counters: ManagementCounters = { postToConnection: 0 };
    const issuer = createDevIssuer({ issuer: `${url}/dev`, audience: JWT_AUDIENCE, allowedOrigin, users: demoUsers });
    const events = new LocalEventBus({ functions, log, region, busName, retryDelaysMs: options.eventRetryDelaysMs });
    const wsGateway = createWsGateway({ functions, connections, log, region, limits: options.wsLimits });
    // API Gateway's JWT authorizer, with the settings the WebSocket authorizer reads from its environment.
    const authorizer = createJwtAuthorizer({
      issuer: env[ENV.jwtIssuer],
      audience: env[ENV.jwtAudience].split(',').filter(Boolean),
      jwksUri: env[ENV.jwksUri] || undefined,
    });
    const httpGateway = createHttpGateway({ functions, log, allowedOrigin, authorizer, routes: httpRoutes, integrationTimeoutMs: options.httpIntegrationTimeoutMs });
    const notes: string[] = [];
    const web = await prepareWeb({ build: options.buildWeb ?? true, log, distDir: options.webDist });
    if (web.note) notes.push(web.note);
    const oidc = options.oidc;
    const auth = (origin: string): WebConfig['auth'] =>
      oidc
        ? { mode: 'oidc', issuer: oidc.issuer, clientId: oidc.clientId ?? oidc.audience[0], scopes: oidc.scopes ?? ['openid', 'profile'], redirectUri: `${origin}/` }
        : { mode: 'dev', tokenUrl: `${origin}/dev/token` };
    const site = createStaticSite({ distDir: web.distDir, port: () => port, auth });

    server.on('upgrade', (req, socket, head) => {
      if (requestHostAllowed(req, port)) return wsGateway.handleUpgrade(req, socket, head);
      answerAtSocket(socket, 403, messageBody(FOREIGN_HOST_MESSAGE));
    });
    cleanups.push(async () => {
      await wsGateway.closeAll();
      await Promise.race([events.drain(), new Promise((r) => setTimeout(r, 30000).unref())]);
    });
    // The uploads bucket: S3's ObjectCreated notifications invoke the wiring's S3_TRIGGERS functions through the
    // function runner with the event S3 sends (asynchronously, after the upload was answered, as S3 does).
    const s3Store = options.inMemory ? memoryStore() : fileStore(path.resolve(options.s3Dir ?? DEFAULT_S3_DIR));
    const uploadsInFlight = new Set<Promise<unknown>>();
    const handleS3 = createS3Handler({
      region,
      // The one key the endpoint accepts: the handlers' (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY above).
      credentials: { accessKeyId: env.AWS_ACCESS_KEY_ID, secretAccessKey: env.AWS_SECRET_ACCESS_KEY },
      buckets: [LOCAL_UPLOADS_BUCKET_NAME],
      store: s3Store,
      prefix: S3_PATH,
      corsOrigins: origins,
      configurationId: 'parley-uploads-object-created',
      onObjectCreated: (event: S3Event) => {
        const key = event.Records[0]?.s3.object.key ?? '';
        const runs = S3_TRIGGERS.filter((t) => t.bucket === 'uploads' && key.startsWith(t.prefix)).map((t) => {
          const run = functions.invoke(t.function, event).catch((err) => log.error(`function ${t.function} failed on S3 object ${key}`, err));
          uploadsInFlight.add(run);
          void run.finally(() => uploadsInFlight.delete(run));
          return run;
        });
        return Promise.all(runs).then(() => undefined);
      },
      onNotifyError: (err) => log.error('S3 notification failed', err),
    });
    // Raw uploads and unsent files expire after a day, as the bucket's lifecycle rules do in the cloud.
    const lifecycle = startLifecycle({
      store: s3Store,
      bucket: LOCAL_UPLOADS_BUCKET_NAME,
      rules: UPLOADS_LIFECYCLE,
      now: options.lifecycleNow,
      onSwept: (deleted) => deleted.length && log.info(`uploads lifecycle: ${deleted.length} expired object(s) deleted`),
      onError: (err) => log.warn(`uploads lifecycle sweep failed: ${errorMessage(err)}`),
    });
    cleanups.push(() => lifecycle.stop());
    const drainUploads = async () => {
      while (uploadsInFlight.size) await Promise.all([...uploadsInFlight]);
    };
    cleanups.push(async () => {
      await Promise.race([drainUploads(), new Promise((r) => setTimeout(r, 30000).unref())]);
    });

    route = async (req, res, reqUrl) => {
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

    // 5. Demo data.
    if (options.seed ?? true) {
      await seedDemoData(events);
      const failed = events.deadLetters.filter((d) => d.event.id.startsWith('seed-'));
      if (failed.length) notes.push(`seeding failed for ${failed.length} friendship(s): ${failed[0].reason}`);
    }
    proxy?.reset();
    counters.postToConnection = 0;

    const calls: CallCounts = {
      dynamo: proxy?.counts ?? {},
      get postToConnection() {
        return counters.postToConnection;
      },
      reset() {
        proxy?.reset();
        counters.postToConnection = 0;
      },
      total: () => Object.values(proxy?.counts ?? {}).reduce((a, b) => a + b, 0),
    };

    let stopping: Promise<void> | undefined;
    const stack: Stack = {
      url,
      wsUrl: `ws://127.0.0.1:${port}/ws`,
      port,
      region,
      tables,
      tablePrefix: prefix,
      dynamoEndpoint,
      dynamoCredentials,
      handlerDynamoEndpoint,
      ...(dynamo ? { dynamo } : {}),
      issuer,
      events,
      connections,
      s3: { store: s3Store, endpoint: `${url}${S3_PATH}`, bucket: LOCAL_UPLOADS_BUCKET_NAME, lifecycle },
      drainUploads,
      calls,
      env,
      notes,
      drainEvents: () => events.drain(),
      socketOutage: (opts) => wsGateway.outage(opts),
      stop: () =>
        (stopping ??= (async () => {
          await cleanup();
          if (active === stack) active = undefined;
        })()),
    };
    active = stack;
    return stack;
  } catch (err) {
    await cleanup();
    throw err;
  }
}
