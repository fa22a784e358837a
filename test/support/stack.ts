/**
 * The integration-test harness: a real local stack (the same `startStack` as `npm start`) on an OS-assigned
 * port, on the run's shared in-memory DynamoDB Local (global-setup.ts) with its own table prefix, seeding off.
 *
 * One stack per test file at a time (the handlers read their environment once per module registry, and jest
 * gives each test file its own). Starting another stack later in the same file reuses the first one's port,
 * tables and counting-proxy port, so the already-loaded handlers stay pointed at the right place — a restart.
 */
import { randomBytes } from 'node:crypto';
import type { FunctionOverrides } from '../../local/functions';
import type { WsLimits } from '../../local/gateway-ws';
import type { LogLevel } from '../../local/log';
import { startStack, type OidcOptions, type Stack } from '../../local/stack';
import { testDynamoCredentials } from './dynamo-credentials';

export interface TestStack {
  url: string; // http://127.0.0.1:<port>
  wsUrl: string; // ws://127.0.0.1:<port>/ws
  port: number;
  tables: { main: string; connections: string };
  dynamoEndpoint: string;
  /** A dev-issuer token via POST /dev/token. */
  token(userId: string, name?: string): Promise<string>;
  /** Resolves when every accepted event has been handled or dead-lettered. */
  drainEvents(): Promise<void>;
  /**
   * Calls counted since the last reset: DynamoDB requests by operation (`countCalls: true` only) and PostToConnection
   * calls at the @connections endpoint (always). `total()` = all DynamoDB requests.
   */
  calls: { dynamo: Record<string, number>; postToConnection: number; reset(): void; total(): number };
  stop(): Promise<void>;
  /** Extras beyond the shared API: the event bus name PutEvents accepts, and the stack itself. */
  eventBusName: string;
  local: Stack;
}

export interface TestStackOptions {
  /** Seed the demo users (alice, bob, carol, dave) and friendships (default false). */
  seed?: boolean;
  /** More environment for the handlers, e.g. { RATE_LIMIT_SEND: '3/10' }. */
  env?: Record<string, string>;
  /** Count DynamoDB requests per operation through a proxy. */
  countCalls?: boolean;
  /** Replace functions (fixture module path from the repo root, or a handler function). */
  functions?: FunctionOverrides;
  /** Delays before the retries of a failed event delivery (default [50, 100]: two quick retries). */
  eventRetryDelaysMs?: number[];
  wsLimits?: Partial<WsLimits>;
  /** Build web/dist when missing (default false: serve what is there). */
  buildWeb?: boolean;
  /** Serve this folder as the web client instead of web/dist. */
  webDist?: string;
  /** The stack's own log level (default PARLEY_TEST_LOG or "error"). */
  log?: LogLevel;
  /** Sign in with a real OpenID Provider (test/support/oidc-provider.ts) instead of the dev issuer. */
  oidc?: OidcOptions;
  /** API Gateway's HTTP integration timeout, shortened. */
  httpIntegrationTimeoutMs?: number;
}

// jest.config.js sets testTimeout: 30000 on the integration/e2e projects, but jest only honours testTimeout at the
// top level; until that moves, files using this harness get the intended 30 s (a file's own jest.setTimeout wins,
// as it runs after this import).
if (typeof jest !== 'undefined') jest.setTimeout(Number(process.env.PARLEY_TEST_TIMEOUT_MS ?? 30000));

interface Previous {
  port: number;
  tablePrefix: string;
  countingProxyPort?: number;
  countCalls: boolean;
  env: string;
}
let previous: Previous | undefined;

export async function startTestStack(opts: TestStackOptions = {}): Promise<TestStack> {
  const countCalls = opts.countCalls ?? false;
  const envKey = JSON.stringify({ env: opts.env ?? {}, oidc: opts.oidc ?? null });
  if (previous && (previous.countCalls !== countCalls || previous.env !== envKey)) {
    throw new Error(
      'a second test stack in the same test file must use the same countCalls and env as the first (the handlers read their environment once); put it in its own test file',
    );
  }
  const local = await startStack({
    port: previous?.port ?? 0,
    tablePrefix: previous?.tablePrefix ?? `t${randomBytes(4).toString('hex')}-`,
    // The run's shared DynamoDB Local; without global-setup (a one-off run) the stack starts its own in memory.
    dynamoEndpoint: process.env.PARLEY_TEST_DYNAMO_ENDPOINT || undefined,
    dynamoCredentials: process.env.PARLEY_TEST_DYNAMO_ENDPOINT ? testDynamoCredentials() : undefined,
    inMemory: true,
    seed: opts.seed ?? false,
    env: { POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN', ...opts.env },
    countCalls,
    countingProxyPort: previous?.countingProxyPort,
    functions: opts.functions,
    eventRetryDelaysMs: opts.eventRetryDelaysMs ?? [50, 100],
    wsLimits: opts.wsLimits,
    buildWeb: opts.buildWeb ?? false,
    webDist: opts.webDist,
    oidc: opts.oidc,
    httpIntegrationTimeoutMs: opts.httpIntegrationTimeoutMs,
    // CI shares 2 cores with other work: a function gets 3× its Lambda timeout here, so a busy machine is not taken
    // for a slow function (local-timeouts.test.ts sets its functions' own timeouts, which are not scaled).
    functionTimeoutScale: 3,
    log: opts.log ?? (process.env.PARLEY_TEST_LOG as LogLevel | undefined) ?? 'error',
  });
  // A one-off run's own DynamoDB Local: its key is the one test clients must use.
  process.env.PARLEY_TEST_DYNAMO_ACCESS_KEY_ID ||= local.dynamoCredentials.accessKeyId;
  process.env.PARLEY_TEST_DYNAMO_SECRET_ACCESS_KEY ||= local.dynamoCredentials.secretAccessKey;
  previous = {
    port: local.port,
    tablePrefix: local.tablePrefix,
    countingProxyPort: countCalls ? Number(new URL(local.handlerDynamoEndpoint).port) : undefined,
    countCalls,
    env: envKey,
  };

  return asTestStack(local);
}

/** The harness's view of a local stack started by `startStack` (tokens from its dev issuer's `POST /dev/token`). */
export function asTestStack(local: Stack): TestStack {
  return {
    url: local.url,
    wsUrl: local.wsUrl,
    port: local.port,
    tables: { main: local.tables.main, connections: local.tables.connections },
    dynamoEndpoint: local.dynamoEndpoint,
    async token(userId, name) {
      const res = await fetch(`${local.url}/dev/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(name === undefined ? { userId } : { userId, name }),
      });
      const body = (await res.json()) as { token?: string; error?: { message: string } };
      if (res.status !== 200 || !body.token) throw new Error(`POST /dev/token for ${userId}: ${res.status} ${body.error?.message ?? ''}`);
      return body.token;
    },
    drainEvents: () => local.drainEvents(),
    calls: local.calls,
    stop: () => local.stop(),
    eventBusName: local.events.busName,
    local,
  };
}
