/**
 * The functions of lib/wiring.ts, run in this process the way Lambda would run them: each handler module is
 * imported once (after the stack has set the environment) and invoked with the event and a Lambda-like context.
 * A function can be overridden (a fixture module path or a handler function) for tests.
 */
import { randomUUID } from 'node:crypto';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { FUNCTIONS, type FunctionKey } from '../lib/wiring';

export const REPO_ROOT = path.resolve(__dirname, '..');

// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type HandlerFn = (event: any, context: Context) => unknown;
/** A module path (absolute, or relative to the repository root) exporting `handler`, or the handler itself. */
export type FunctionOverride = string | HandlerFn;
export type FunctionOverrides = Partial<Record<FunctionKey, FunctionOverride>>;

/** How long an invocation may run before it counts as "Task timed out" (Lambda's default is 3 s; local is gentler). */
const DEFAULT_LOCAL_TIMEOUT_SECONDS = 30;

export class FunctionTimeoutError extends Error {
  constructor(seconds: number) {
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
  const def = FUNCTIONS[key] as { memoryMb?: number };
  const name = `parley-local-${key}`;
  const deadline = Date.now() + timeoutSeconds * 1000;
  const requestId = randomUUID();
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: name,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:${region}:000000000000:function:${name}`,
    memoryLimitInMB: String(def.memoryMb ?? 128),
    awsRequestId: requestId,
    logGroupName: `/aws/lambda/${name}`,
    logStreamName: `local/${requestId}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

export function createFunctionRegistry(overrides: FunctionOverrides = {}, region = 'us-east-1'): FunctionRegistry {
  const loaded = new Map<FunctionKey, Promise<HandlerFn>>();
  const load = (key: FunctionKey): Promise<HandlerFn> => {
    let p = loaded.get(key);
    if (!p) {
      const override = overrides[key];
      p = typeof override === 'function' ? Promise.resolve(override) : importHandler(override ?? FUNCTIONS[key].entry);
      p.catch(() => undefined);
      loaded.set(key, p);
    }
    return p;
  };
  return {
    async invoke(key, event) {
      const handler = await load(key);
      const timeoutSeconds = (FUNCTIONS[key] as { timeoutSeconds?: number }).timeoutSeconds ?? DEFAULT_LOCAL_TIMEOUT_SECONDS;
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new FunctionTimeoutError(timeoutSeconds)), timeoutSeconds * 1000);
        timer.unref();
      });
      try {
        return await Promise.race([Promise.resolve().then(() => handler(event, lambdaContext(key, timeoutSeconds, region))), timeout]);
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
