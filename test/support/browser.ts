/**
 * The e2e browser harness: a real headless Chromium driven by playwright-core.
 *
 * Which Chromium: `CHROMIUM_PATH` when set (an explicit choice wins); else the one inside `@sparticuz/chromium` (a
 * devDependency, so `npm ci` is all a clean machine needs: its brotli archive unpacks to the OS temp dir once, in
 * about two seconds); else a system `/usr/bin/chromium`. Checked on Debian 12: the @sparticuz build (made for
 * Amazon Linux) runs here without its Amazon Linux libraries.
 *
 * Flags: this machine has no internet, and without the background-networking flags Chromium stalls on its
 * update/sync/metrics calls. Playwright gives every launch a fresh, throw-away user-data-dir itself.
 *
 * Each `BrowserUser` is its own browser context (own cookies and sessionStorage: one person in one browser). Page
 * errors and console errors are collected; `assertNoErrors()` fails the test on any that the test didn't
 * announce with `allowErrors(pattern)` (e.g. the browser's own log line for a refused WebSocket handshake).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Playwright adds --headless itself (headless: true). */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

const SYSTEM_CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** Where test screenshots go (gitignored). */
export const ARTIFACTS_DIR = path.resolve(__dirname, '..', '..', 'test-artifacts');

async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
  // Two jest workers unpacking @sparticuz/chromium into the same temp dir at once would race: one lock dir.
  const lock = path.join(os.tmpdir(), name);
  const started = Date.now();
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let age = 0;
      try {
        age = Date.now() - fs.statSync(lock).mtimeMs;
      } catch {
        continue;
      }
      if (age > 120_000) fs.rmSync(lock, { recursive: true, force: true }); // left by a killed run
      else if (Date.now() - started > 120_000) throw new Error(`waited 2 minutes for ${lock}`);
      else await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

async function sparticuzExecutable(): Promise<string> {
  const mod = (await import('@sparticuz/chromium')) as unknown as { default?: SparticuzChromium } & SparticuzChromium;
  const sparticuz = mod.default ?? mod;
  return withLock('parley-sparticuz-chromium.lock', () => sparticuz.executablePath());
}
interface SparticuzChromium {
  executablePath(input?: string): Promise<string>;
}

/** The Chromium executable to use, and where it came from (for error messages). */
export async function chromiumExecutable(): Promise<{ path: string; source: string }> {
  const env = process.env.CHROMIUM_PATH;
  if (env) {
    if (!fs.existsSync(env)) throw new Error(`CHROMIUM_PATH=${env} does not exist`);
    return { path: env, source: 'CHROMIUM_PATH' };
  }
  let sparticuzError: unknown;
  try {
    return { path: await sparticuzExecutable(), source: '@sparticuz/chromium' };
  } catch (err) {
    sparticuzError = err;
  }
  const system = SYSTEM_CHROMIUM.find((p) => fs.existsSync(p));
  if (system) return { path: system, source: 'system package' };
  throw new Error(`no Chromium: @sparticuz/chromium failed (${String(sparticuzError)}), no ${SYSTEM_CHROMIUM.join(' or ')}, and CHROMIUM_PATH is not set`);
}

export async function launchChromium(): Promise<Browser> {
  const exe = await chromiumExecutable();
  try {
    return await chromium.launch({ executablePath: exe.path, headless: true, args: CHROMIUM_ARGS, timeout: 30_000 });
  } catch (err) {
    throw new Error(`Chromium from ${exe.source} (${exe.path}) did not start: ${String(err)}`);
  }
}

export interface BrowserUser {
  readonly label: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Page errors and console errors seen so far (as text). */
  readonly errors: string[];
  /** Errors matching this pattern are expected from now on (e.g. a refused WebSocket handshake). */
  allowErrors(pattern: RegExp): void;
  /** Throws when an error not allowed was seen. */
  assertNoErrors(): void;
  /** A new page in the same context (another tab of the same browser profile). */
  newPage(): Promise<Page>;
  /**
   * Resolves once the page has had no HTTP request in flight for `quietMs` (WebSocket frames don't count): e.g. the
   * lists and counts a page loads after signing in have all been answered.
   */
  networkQuiet(page?: Page, quietMs?: number, timeoutMs?: number): Promise<void>;
  /** Save a full-page screenshot to test-artifacts/<name>.png; returns its path. */
  screenshot(name: string, page?: Page): Promise<string>;
  close(): Promise<void>;
}

export interface UserOptions {
  viewport?: { width: number; height: number };
  deviceScaleFactor?: number;
  /** A phone: the meta viewport is honoured and touch events are on (Playwright's isMobile / hasTouch). */
  isMobile?: boolean;
  hasTouch?: boolean;
  /** The browser's language (navigator.languages, Accept-Language): en-US unless a test asks for another. */
  locale?: string;
}

/** A fresh browser context ("one person at one computer") with error capture on all its pages. */
export async function newBrowserUser(browser: Browser, label: string, opts: UserOptions = {}): Promise<BrowserUser> {
  const context = await browser.newContext({
    viewport: opts.viewport ?? { width: 1280, height: 800 },
    deviceScaleFactor: opts.deviceScaleFactor ?? 1,
    isMobile: opts.isMobile ?? false,
    hasTouch: opts.hasTouch ?? false,
    // Tests find elements by their English names: en-US unless a test is about another language (i18n.test.ts).
    locale: opts.locale ?? 'en-US',
    timezoneId: 'UTC',
  });
  const errors: string[] = [];
  const allowed: RegExp[] = [];
  const traffic = new Map<Page, { inFlight: number; lastChange: number }>();
  const watch = (page: Page) => {
    const t = { inFlight: 0, lastChange: Date.now() };
    traffic.set(page, t);
    page.on('request', () => {
      t.inFlight++;
      t.lastChange = Date.now();
    });
    const done = () => {
      t.inFlight = Math.max(0, t.inFlight - 1);
      t.lastChange = Date.now();
    };
    page.on('requestfinished', done);
    page.on('requestfailed', done);
    page.on('pageerror', (err) => errors.push(`[${label}] page error: ${err.stack ?? err.message}`));
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      const where = msg.location();
      errors.push(`[${label}] console error: ${msg.text()}${where.url ? ` (${where.url}:${where.lineNumber})` : ''}`);
    });
    // A dialog (alert/confirm) would block the page; record it as an error (e.g. script injected via a message).
    page.on('dialog', (dialog) => {
      errors.push(`[${label}] unexpected ${dialog.type()} dialog: ${dialog.message()}`);
      void dialog.dismiss().catch(() => undefined);
    });
  };
  context.on('page', watch);
  const page = await context.newPage();
  return {
    label,
    context,
    page,
    errors,
    allowErrors(pattern) {
      allowed.push(pattern);
    },
    assertNoErrors() {
      const bad = errors.filter((e) => !allowed.some((re) => re.test(e)));
      if (bad.length) throw new Error(`the browser reported errors:\n${bad.join('\n')}`);
    },
    newPage: () => context.newPage(),
    async networkQuiet(p = page, quietMs = 250, timeoutMs = 10_000) {
      const t = traffic.get(p);
      if (!t) throw new Error('not a page of this browser user');
      const started = Date.now();
      while (t.inFlight > 0 || Date.now() - t.lastChange < quietMs) {
        if (Date.now() - started > timeoutMs) throw new Error(`the page still had ${t.inFlight} request(s) in flight after ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 25));
      }
    },
    async screenshot(name, p = page) {
      fs.mkdirSync(ARTIFACTS_DIR, { recursive: true });
      const file = path.join(ARTIFACTS_DIR, `${name}.png`);
      await p.screenshot({ path: file, fullPage: true });
      return file;
    },
    close: () => context.close(),
  };
}
