/**
 * Page helpers for the e2e tests: sign a user in through the real sign-in page, and poll the page for what a user
 * would see. Elements are found ONLY by their data-testid (the contract with the web client). Playwright's own
 * `expect` ships with @playwright/test, not playwright-core, so `eventually` retries a jest assertion instead.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { launchChromium, newBrowserUser, type BrowserUser, type UserOptions } from '../support/browser';
import { startTestStack, type TestStack, type TestStackOptions } from '../support/stack';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
const WEB_DIR = path.join(REPO_ROOT, 'web');
const WEB_DIST = path.join(WEB_DIR, 'dist');

/** axe-core's browser bundle, injected into a page by `checkA11y`. */
const AXE_SCRIPT = require.resolve('axe-core/axe.min.js');
let axeText: string | undefined;
const axeSource = () => (axeText ??= fs.readFileSync(AXE_SCRIPT, 'utf8'));
/** The part of axe-core's API `checkA11y` uses (in the page). */
interface AxeLike {
  run(
    context: Document,
    options: object,
  ): Promise<{ violations: { id: string; impact?: string | null; help: string; nodes: { target: string[]; failureSummary?: string }[] }[] }>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Retry an assertion until it passes (or throw its last failure after `timeoutMs`: a cap for a busy machine, not a speed the test expects). */
export async function eventually<T>(assertion: () => Promise<T> | T, timeoutMs = 30_000): Promise<T> {
  const started = Date.now();
  for (;;) {
    try {
      return await assertion();
    } catch (err) {
      if (Date.now() - started > timeoutMs) throw err;
    }
    await sleep(50);
  }
}

/** The text of every element the locator matches now (no waiting). */
export const textsOf = (locator: Locator): Promise<string[]> => locator.allTextContents();

/** The attribute of the only element the locator matches now, or null when there is none (no waiting). */
export async function attrOf(locator: Locator, name: string): Promise<string | null> {
  return (await locator.count()) ? locator.first().getAttribute(name) : null;
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules') continue;
    const p = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }
  return newest;
}

/**
 * The stack builds web/dist when it is missing (a clean checkout). A dist older than the web sources (a developer
 * edited the client since the last build) would test stale code: rebuild it first.
 */
export function rebuildWebIfStale(): void {
  const index = path.join(WEB_DIST, 'index.html');
  if (!fs.existsSync(index)) return; // the stack builds it
  if (newestMtime(WEB_DIR) <= fs.statSync(index).mtimeMs) return;
  // jest sets NODE_ENV=test, which would give Vue's development build (~40 kB more, other code paths): test what ships.
  const env = { ...process.env, NODE_ENV: 'production' };
  execFileSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', '--silent', 'build:web'], { cwd: REPO_ROOT, stdio: 'inherit', env });
}

/** A signed-in (or about to sign in) person: their own browser context and its first page. */
export class ParleyUser {
  constructor(
    readonly browserUser: BrowserUser,
    readonly userId: string,
  ) {}

  get page(): Page {
    return this.browserUser.page;
  }

  /** The element(s) with this data-testid, anywhere on the page. */
  tid(id: string, page: Page = this.page): Locator {
    return page.getByTestId(id);
  }

  /** The messages shown in the chat window with `peerId`. */
  messages(peerId: string): Locator {
    return this.tid(`chat-window-${peerId}`).getByTestId('message');
  }

  /** The texts of the messages shown in the chat window with `peerId`, oldest first. */
  messageTexts(peerId: string): Promise<string[]> {
    return textsOf(this.tid(`chat-window-${peerId}`).getByTestId('message-text'));
  }

  /**
   * The "New messages" line in the chat window with `peerId`: the text of the message right below it, and whether
   * the line is inside the visible part of the message list (what the user sees without scrolling). Null: no line.
   */
  newMessagesLine(peerId: string): Promise<{ before: string | null; visible: boolean } | null> {
    return this.tid(`chat-window-${peerId}`).getByTestId('messages').evaluate((list) => {
      const line = list.querySelector<HTMLElement>('[data-testid="new-messages"]');
      if (!line) return null;
      let next = line.nextElementSibling;
      while (next && next.getAttribute('data-testid') !== 'message') next = next.nextElementSibling;
      const text = next?.querySelector('[data-testid="message-text"]')?.textContent ?? null;
      const box = list.getBoundingClientRect();
      const r = line.getBoundingClientRect();
      return { before: text, visible: r.top >= box.top && r.bottom <= box.bottom };
    });
  }

  /** The number on a badge, or 0 when the badge is not rendered (the contract: only when > 0). */
  async badge(id: string): Promise<number> {
    const el = this.tid(id);
    if (!(await el.count())) return 0;
    const text = ((await el.textContent()) ?? '').trim();
    const n = Number(text);
    if (!Number.isInteger(n) || n <= 0) throw new Error(`badge ${id} shows "${text}", not a positive count`);
    return n;
  }

  /**
   * Open (or focus) the chat window with `peerId` from the friends list or the conversation list. (Playwright
   * clicks only what a user could: a toast lying over the button makes it wait for the toast to go.)
   */
  async openChat(peerId: string, via: 'friends' | 'conversations' = 'friends'): Promise<Locator> {
    await this.tid(via === 'friends' ? `chat-with-${peerId}` : `conversation-${peerId}`).click();
    const win = this.tid(`chat-window-${peerId}`);
    await win.waitFor();
    return win;
  }

  /** Type a message into the chat window's composer and press Enter. */
  async send(peerId: string, text: string): Promise<void> {
    const composer = this.tid(`chat-window-${peerId}`).getByTestId('composer');
    await composer.fill(text);
    await composer.press('Enter');
  }

  async waitConnected(timeoutMs = 45_000): Promise<void> {
    await eventually(async () => expect(await attrOf(this.tid('connection-state'), 'data-state')).toBe('connected'), timeoutMs);
  }

  /**
   * Save a screenshot to test-artifacts/<name>.png — and check the state it shows for accessibility first
   * (`checkA11y`), so every state a test takes a picture of is checked without each test asking.
   */
  async screenshot(name: string, page?: Page): Promise<string> {
    await this.checkA11y(name, page);
    return this.browserUser.screenshot(name, page);
  }

  /**
   * Run axe-core (node_modules/axe-core) in the page against WCAG 2.0/2.1 A and AA and fail with a readable list of
   * what it finds (rule, impact, the elements' selectors). Only Parley's own pages are checked: a page without the
   * app's root (an OpenID Provider's login page) is left alone.
   */
  async checkA11y(label: string, page: Page = this.page): Promise<void> {
    if (!(await page.locator('#app').count())) return;
    // Evaluated through the DevTools protocol, not added as a <script>: a page with the production CSP
    // (script-src 'self', i18n.test.ts) would refuse an inline script, and the check must not need a weaker CSP.
    if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axeSource());
    // Checked at rest: with reduced motion the app's animations stop (styles.css), so a toast still fading in is
    // not measured at half opacity (a contrast failure that no user would see for more than 0.2 s).
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const violations = await page.evaluate(async () => {
      const axe = (window as unknown as { axe: AxeLike }).axe;
      const result = await axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
      return result.violations.map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` — ${n.failureSummary.replace(/\s+/g, ' ')}` : ''}`),
      }));
    }).finally(() => page.emulateMedia({ reducedMotion: null }));
    if (violations.length) {
      const lines = violations.map((v) => `- ${v.id} (${v.impact ?? 'n/a'}): ${v.help}\n${v.nodes.map((n) => `    ${n}`).join('\n')}`);
      throw new Error(`accessibility (axe-core) in "${label}" [${this.userId}]: ${violations.length} violation(s)\n${lines.join('\n')}`);
    }
  }

  close(): Promise<void> {
    return this.browserUser.close();
  }
}

export interface SignInOptions extends UserOptions {
  /** Use the sign-in page's quick pick for a demo user instead of typing the id. */
  quickPick?: boolean;
  /** Save a screenshot of the sign-in page under this name first. */
  screenshotSignIn?: string;
}

/** A new browser context at the app, signed in as `userId` through the sign-in page, on the chats page, connected, settled. */
/**
 * The usual e2e file: one stack serving the built client (rebuilt first when stale) and one Chromium, started
 * together; after each test the pages in `open` are checked for errors and closed; both stop at the end.
 * `started` receives them (the file keeps its own variables). Returns `person(userId)`: sign someone in, tracked in
 * `open`.
 */
export function useBrowserStack(
  open: ParleyUser[],
  started: (stack: TestStack, browser: Browser) => void,
  options: TestStackOptions = {},
): (userId: string, opts?: SignInOptions) => Promise<ParleyUser> {
  let stack: TestStack | undefined;
  let browser: Browser | undefined;
  beforeAll(async () => {
    const webDist = process.env.PARLEY_E2E_WEB_DIST || undefined;
    if (!webDist) rebuildWebIfStale();
    [stack, browser] = await Promise.all([startTestStack({ buildWeb: true, webDist, ...options }), launchChromium()]);
    started(stack, browser);
  }, 240_000);
  afterEach(() => closeUsers(open));
  afterAll(async () => {
    await browser?.close();
    await stack?.stop();
  });
  /** Someone signed in through the sign-in page, checked and closed after the test like the rest of `open`. */
  return async (userId, opts = {}) => {
    const user = await signIn(browser!, stack!, userId, opts);
    open.push(user);
    return user;
  };
}

/** After each test: every page opened must have logged no errors; all are closed whatever happens. */
export async function closeUsers(open: ParleyUser[]): Promise<void> {
  const users = open.splice(0);
  try {
    for (const u of users) u.browserUser.assertNoErrors();
  } finally {
    await Promise.all(users.map((u) => u.close().catch(() => undefined)));
  }
}

export async function signIn(browser: Browser, stack: TestStack, userId: string, opts: SignInOptions = {}): Promise<ParleyUser> {
  const user = new ParleyUser(await newBrowserUser(browser, userId, opts), userId);
  user.page.setDefaultTimeout(15_000);
  await user.page.goto(`${stack.url}/#/`);
  const form = user.tid('signin');
  await form.waitFor();
  if (opts.screenshotSignIn) await user.screenshot(opts.screenshotSignIn);
  if (opts.quickPick) {
    await user.tid(`signin-user-${userId}`).click();
  } else {
    await user.tid('signin-name').fill(userId);
    await user.tid('signin-submit').click();
  }
  await user.tid('chats-page').waitFor();
  await user.waitConnected();
  // Settled: what the page loads on connecting (lists, counts) has been answered, so what a test does next is
  // news to the page, not something that its first load may or may not have seen already.
  await user.browserUser.networkQuiet();
  return user;
}
