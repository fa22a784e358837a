/**
 * The local function runner gives each function the timeout and memory it gets on Lambda: its own from the wiring,
 * else the same defaults the CDK functions get (DEFAULT_TIMEOUT_SECONDS / DEFAULT_MEMORY_MB), and it fails an
 * invocation past its timeout with Lambda's message. Fake timers: the clock is moved, never waited on.
 */
import type { Context } from 'aws-lambda';
import { createFunctionRegistry, FunctionTimeoutError } from '../../local/functions';
import { DEFAULT_MEMORY_MB, DEFAULT_TIMEOUT_SECONDS, FUNCTIONS } from '../../lib/wiring';

const contextOf = async (key: 'wsPing' | 'eventsNotify') => {
  const functions = createFunctionRegistry({ [key]: async (_event: unknown, context: Context) => context });
  const context = (await functions.invoke(key, {})) as Context;
  return { memory: context.memoryLimitInMB, remainingMs: context.getRemainingTimeInMillis() };
};

beforeEach(() => jest.useFakeTimers({ now: new Date('2026-11-24T10:00:00Z') }));
afterEach(() => jest.useRealTimers());

describe('timeout and memory come from the wiring', () => {
  it('a function the wiring gives neither gets the shared defaults (10 s, 256 MB), not the local runner’s own', async () => {
    expect(FUNCTIONS.wsPing).not.toHaveProperty('timeoutSeconds');
    expect(await contextOf('wsPing')).toEqual({ memory: String(DEFAULT_MEMORY_MB), remainingMs: DEFAULT_TIMEOUT_SECONDS * 1000 });
    expect([DEFAULT_TIMEOUT_SECONDS, DEFAULT_MEMORY_MB]).toEqual([10, 256]);
  });

  it('a function with its own timeout and memory in the wiring gets those (eventsNotify: 60 s, 512 MB)', async () => {
    expect(await contextOf('eventsNotify')).toEqual({ memory: '512', remainingMs: 60_000 });
  });
});

describe('an invocation past its timeout', () => {
  it('fails with "Task timed out after 10.00 seconds" exactly when the default timeout is reached', async () => {
    const functions = createFunctionRegistry({ wsPing: () => new Promise(() => undefined) });
    const outcome = functions.invoke('wsPing', {}).then(
      () => 'answered',
      (err: Error) => err,
    );
    await jest.advanceTimersByTimeAsync(DEFAULT_TIMEOUT_SECONDS * 1000 - 1);
    expect(await Promise.race([outcome, Promise.resolve('still running')])).toBe('still running');
    await jest.advanceTimersByTimeAsync(1);
    const err = await outcome;
    expect(err).toBeInstanceOf(FunctionTimeoutError);
    expect((err as Error).message).toBe('Task timed out after 10.00 seconds');
  });

  it('a test override may shorten one function’s timeout; the others keep theirs', async () => {
    const never = () => new Promise(() => undefined);
    const functions = createFunctionRegistry({ wsPing: { handler: never, timeoutSeconds: 0.05 }, wsDefault: never });
    const ping = functions.invoke('wsPing', {}).catch((err: Error) => err.message);
    const other = functions.invoke('wsDefault', {}).catch((err: Error) => err.message);
    await jest.advanceTimersByTimeAsync(50);
    expect(await ping).toBe('Task timed out after 0.05 seconds');
    expect(await Promise.race([other, Promise.resolve('still running')])).toBe('still running');
    await jest.advanceTimersByTimeAsync(DEFAULT_TIMEOUT_SECONDS * 1000);
    expect(await other).toBe('Task timed out after 10.00 seconds');
  });
});
