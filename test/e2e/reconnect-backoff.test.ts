/**
 * End to end (issue 12, 11): while the stack is down the page's reconnect backoff grows, but never past 10 s — the
 * countdown in the top bar never promises a wait over 10 s — so once the stack is back the page is connected again
 * within one capped step (plus slack for a busy machine), not the 20–30 s an uncapped backoff had reached.
 */
import type { Browser } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { startTestStack, type TestStack, type TestStackOptions } from '../support/stack';
import { rebuildWebIfStale, signIn, type ParleyUser } from './parley';

jest.setTimeout(180_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('reconnecting after the stack was down for a while', () => {
  let stack: TestStack;
  let stackOptions: TestStackOptions;
  let browser: Browser;
  let alice: ParleyUser | undefined;

  beforeAll(async () => {
    const webDist = process.env.PARLEY_E2E_WEB_DIST || undefined;
    if (!webDist) rebuildWebIfStale();
    stackOptions = { buildWeb: true, webDist };
    [stack, browser] = await Promise.all([startTestStack(stackOptions), launchChromium()]);
  }, 240_000);

  afterAll(async () => {
    try {
      alice?.browserUser.assertNoErrors();
    } finally {
      await alice?.close().catch(() => undefined);
      await browser?.close();
      await stack?.stop();
    }
  });

  test('the countdown never shows more than 10 s, and the page is back soon after the stack is', async () => {
    alice = await signIn(browser, stack, 'alice');
    alice.browserUser.allowErrors(/WebSocket connection to '.*' failed|Failed to load resource|ERR_CONNECTION_REFUSED/);
    await stack.stop();

    // Watch the top bar while the backoff grows through 1, 2, 4, 8 s to its cap (six failed attempts).
    // (`window.__parley` is the app's debugging handle; the test only reads how many attempts were made.)
    const attempts = () => alice!.page.evaluate(() => (window as unknown as { __parley?: { socket: { attempt: number } } }).__parley?.socket.attempt ?? 0);
    const promised: number[] = [];
    const started = Date.now();
    while ((await attempts()) < 6) {
      if (Date.now() - started > 120_000) throw new Error(`still fewer than 6 attempts after 120 s (countdowns seen: ${promised.join(', ')})`);
      const text = (await alice.tid('connection-state').textContent()) ?? '';
      const m = /in (\d+) s/.exec(text);
      if (m) promised.push(Number(m[1]));
      await sleep(200);
    }
    expect(promised.length).toBeGreaterThan(0);
    expect(Math.max(...promised)).toBeLessThanOrEqual(10);

    stack = await startTestStack(stackOptions); // same port, same tables
    // One capped step (10 s) at most, plus generous slack for a busy machine.
    await alice.waitConnected(25_000);
  });
});
