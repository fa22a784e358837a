/**
 * The functions of lib/wiring.ts, run in this process the way Lambda would run them: each handler module is
 * imported once (after the stack has set the environment) and invoked with the event and a Lambda-like context
 * whose timeout and memory are the function's own from the wiring (DEFAULT_TIMEOUT_SECONDS / DEFAULT_MEMORY_MB when
 * it names none — the same defaults the CDK functions get). An invocation still running at its timeout fails with
 * Lambda's "Task timed out after N.NN seconds"; its promise is abandoned (Lambda would freeze the sandbox; a process
 * can't), so the caller sees exactly what it would see on AWS.
 * A function can be overridden (a fixture module path or a handler function, optionally with its own timeout) for tests.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS, FUNCTIONS, type FunctionDef, type FunctionKey } from '../lib/wiring';
import { ACCOUNT_ID } from './http-util';

export const REPO_ROOT = path.resolve(__dirname, '..');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HandlerFn = (event: any, context: Context) => unknown;
/**
 * A module path (absolute, or relative to the repository root) exporting `handler`, or the handler itself; or either
 * with a timeout of its own, so a test can watch a timeout happen without waiting the wiring's seconds.
 */
export type FunctionOverride = string | HandlerFn | { handler: string | HandlerFn; timeoutSeconds?: number };
export type FunctionOverrides = Partial<Record<FunctionKey, FunctionOverride>>;

export class FunctionTimeoutError extends Error {
  constructor(seconds: number) {
    // Lambda's own text (the runtime's log line and the errorMessage an async invocation's failure carries).
    super(`Task timed out after ${seconds.toFixed(2)} seconds`);
    this.name = 'FunctionTimeoutError';
  }
}

export interface FunctionRegistry {
  invoke(key: FunctionKey, event: unknown): Promise<unknown>;
  /** Import every handler now; returns the ones that failed (they fail again when invoked). */
  preload(): Promise<{ key: FunctionKey; error: unknown }[]>;
}

async function importHandler(modulePath: string): Promise<HandlerFn> {
  const abs = path.isAbsolute(modulePath) ? modulePath : path.resolve(REPO_ROOT, modulePath);
  // Works under tsx (native import() with its loader) and under jest's CJS transform (import() -> require()).
  const mod = (await import(abs)) as { handler?: unknown; default?: { handler?: unknown } };
  const handler = mod.handler ?? mod.default?.handler;
  if (typeof handler !== 'function') throw new Error(`${path.relative(REPO_ROOT, abs)} does not export a handler function`);
  return handler as HandlerFn;
}

function lambdaContext(key: FunctionKey, timeoutSeconds: number, region: string): Context {
  const def: FunctionDef = FUNCTIONS[key];
  const name = `parley-local-${key}`;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:${ACCOUNT_ID}:function:${name}`,
    memoryLimitInMB: String(def.memoryMb ?? DEFAULT_MEMORY_MB),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

/**
 * `timeoutScale` multiplies the wiring's timeouts (not a test override's own): `npm start` runs with 1 (Lambda's
 * timeouts exactly); the test harness gives functions more room on a busy shared CI machine, where a function is slow
 * because the machine is, not because it would be on Lambda.
 */
export function createFunctionRegistry(overrides: FunctionOverrides = {}, region = 'us-east-1', timeoutScale = 1): FunctionRegistry {
  const loaded = new Map<FunctionKey, Promise<HandlerFn>>();
  const spec = (key: FunctionKey) => {
    const o = overrides[key];
    return o !== undefined && typeof o === 'object' ? o : { handler: o, timeoutSeconds: undefined };
  };
  const load = (key: FunctionKey): Promise<HandlerFn> => {
    let p = loaded.get(key);
    if (!p) {
      const handler = spec(key).handler;
      p = typeof handler === 'function' ? Promise.resolve(handler) : importHandler(handler ?? FUNCTIONS[key].entry);
      p.catch(() => undefined);
      loaded.set(key, p);
    }
    return p;
  };
  const timeoutSeconds = (key: FunctionKey): number => {
    const def: FunctionDef = FUNCTIONS[key];
    return spec(key).timeoutSeconds ?? (def.timeoutSeconds ?? DEFAULT_TIMEOUT_SECONDS) * timeoutScale;
  };
  return {
    async invoke(key, event) {
      const handler = await load(key);
      const seconds = timeoutSeconds(key);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new FunctionTimeoutError(seconds)), seconds * 1000);
        timer.unref();
      });
      try {
        return await Promise.race([Promise.resolve().then(() => handler(event, lambdaContext(key, seconds, region))), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async preload() {
      const keys = Object.keys(FUNCTIONS) as FunctionKey[];
      const results = await Promise.all(keys.map((key) => load(key).then(() => undefined, (error: unknown) => ({ key, error }))));
      return results.filter((r): r is { key: FunctionKey; error: unknown } => r !== undefined);
    },
  };
}

/**
 * API Gateway stops waiting for an integration after its own timeout, whatever the function's: 29 s by default on a
 * WebSocket API ("Set up a WebSocket API integration request": 50–29,000 ms) and 30 s on an HTTP API (the HTTP API
 * quotas). The function may run on; the client gets API Gateway's answer.
 */
export const WS_INTEGRATION_TIMEOUT_MS = 29_000;
export const HTTP_INTEGRATION_TIMEOUT_MS = 30_000;

export class IntegrationTimeoutError extends Error {
  constructor(ms: number) {
    super(`API Gateway's integration timeout (${ms} ms) elapsed before the function answered`);
    this.name = 'IntegrationTimeoutError';
  }
}

/** The invocation's outcome, or IntegrationTimeoutError once `ms` have passed without one. */
export async function withIntegrationTimeout<T>(invocation: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new IntegrationTimeoutError(ms)), ms);
    timer.unref();
  });
  try {
    return await Promise.race([invocation, cap]);
  } finally {
    clearTimeout(timer);
  }
}
