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
import * as path from 'node:path';
import { assertHttpRoutes, assertWsRoutes } from '../lib/route-rules';
import type { WebConfig } from '../lambdas/contract/web-config';
import { DEFAULT_EVENT_BUS_NAME, ENV, HTTP_ROUTES, LOCAL_UPLOADS_BUCKET_NAME, WS_ROUTES, type HttpRouteDef } from '../lib/wiring';
import type { LifecycleRunner } from './s3/lifecycle';
import type { ObjectStore } from './s3/store';
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
import { createLog, errorMessage, type Log, type LogLevel } from './log';
import { FOREIGN_HOST_MESSAGE, requestHostAllowed } from './host-check';
import { answerAtSocket, assertPortFree, listen, messageBody } from './http-server';
import { dropConnectionRows, migrateClaims, migrateFriendFlags, migratePairItems, migrateUnreadKeys } from './migrations';
import type { ManagementCounters } from './management-api';
import { demoUsers, seedDemoData } from './seed';
import { applyHandlerEnv, handlerEnv, JWT_AUDIENCE } from './stack-env';
import { createRoutes, createStackServer } from './stack-http';
import { createUploads, S3_PATH } from './stack-uploads';
import { createStaticSite, prepareWeb } from './static';
import { DEFAULT_TABLE_PREFIX, ensureTables, type TableNames } from './tables';

// Kept importable from here (local/main.ts, tests), where they lived before the stack-* modules.
export { DEFAULT_S3_DIR, S3_PATH } from './stack-uploads';
export { JWT_AUDIENCE } from './stack-env';

export const DEFAULT_PORT = 3000;
export const DEFAULT_DATA_DIR = path.join(REPO_ROOT, '.parley', 'data');

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
      // After the friend flags: the rows they make for friendships from before are folded in here too.
      const paired = await migratePairItems(admin, tables.main);
      if (paired) log.info(`moved ${paired} conversation(s) kept by an earlier version to pair items (docs/DATA.md)`);
      const claims = await migrateClaims(admin, tables.main);
      if (claims) log.info(`rewrote ${claims} clientMessageId claim(s) of an earlier version's shape (docs/DATA.md)`);
    }

    let proxy: CountingProxy | undefined;
    if (options.countCalls) {
      proxy = await startCountingProxy(dynamoEndpoint, options.countingProxyPort);
      cleanups.push(() => proxy?.stop());
    }
    const handlerDynamoEndpoint = proxy?.endpoint ?? dynamoEndpoint;

    // 2. The server, listening first: the handlers' environment names its port.
    const stackServer = await createStackServer(log, () => port);
    const { server, localTls } = stackServer;
    const port = await listen(server, options.port ?? DEFAULT_PORT);
    cleanups.push(localTls.trustInProcess(port));
    cleanups.push(() => stackServer.close());
    const url = `http://127.0.0.1:${port}`;
    const origins = [url, `http://localhost:${port}`, ...(options.extraOrigins ?? [])].map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean);

    // 3. The handlers' environment, then the handlers.
    const env = handlerEnv({ url, tables, origins, region, handlerDynamoEndpoint, dynamoCredentials, oidc: options.oidc, log, extra: options.env });
    cleanups.push(applyHandlerEnv(env, log));

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
    const uploads = createUploads({
      region,
      env,
      origins,
      functions,
      log,
      inMemory: options.inMemory,
      s3Dir: options.s3Dir,
      lifecycleNow: options.lifecycleNow,
    });
    const { lifecycle, drain: drainUploads } = uploads;
    cleanups.push(() => lifecycle.stop());
    cleanups.push(async () => {
      await Promise.race([drainUploads(), new Promise((r) => setTimeout(r, 30000).unref())]);
    });

    stackServer.setRoute(createRoutes({ handleS3: uploads.handle, connections, counters, events, issuer, httpGateway, site }));

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
      s3: { store: uploads.store, endpoint: `${url}${S3_PATH}`, bucket: LOCAL_UPLOADS_BUCKET_NAME, lifecycle },
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
