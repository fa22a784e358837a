/**
 * End to end (issue #14 item 5): images and emoji in the web client, under the production CSP (lib/web-hosting.ts's
 * policy with the local stack as the API, WebSocket and upload origin). alice attaches a real PNG with the file
 * input and another by drag-and-drop, sees their progress then "ready", and sends; bob sees "Photo" in his
 * conversation list, the thumbnails in boxes of the right size BEFORE they load, and the lightbox (arrows, Escape,
 * the focus back on the image). The emoji picker opens (its data from Parley's own origin), inserts emoji, and a
 * two-emoji message is shown large. No request leaves the origin and the CSP is never violated.
 */
import type { Browser, Page, Request } from 'playwright-core';
import sharp from 'sharp';
import { newBrowserUser, type UserOptions } from '../support/browser';
import { sendEvent, uid } from '../support/clients';
import type { TestStack } from '../support/stack';
import { attrOf, eventually, ParleyUser, textsOf, useBrowserStack } from './parley';
import { localProductionCsp, serveWithCsp } from './csp';

jest.setTimeout(120_000);

const PHONE: UserOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

const png = (width: number, height: number, r: number) => sharp({ create: { width, height, channels: 3, background: { r, g: 120, b: 200 } } }).png().toBuffer();

describe('images and emoji', () => {
  let stack: TestStack;
  let browser: Browser;
  const open: ParleyUser[] = [];
  useBrowserStack(open, (s, b) => ([stack, browser] = [s, b]));


  /** Signed in through the sign-in page, the page served with the CSP; its requests and CSP violations recorded. */
  async function person(userId: string, opts: UserOptions = {}): Promise<{ user: ParleyUser; requests: string[] }> {
    const user = new ParleyUser(await newBrowserUser(browser, userId, opts), userId);
    open.push(user);
    const page = user.page;
    page.setDefaultTimeout(15_000);
    const requests: string[] = [];
    page.on('request', (r: Request) => requests.push(r.url()));
    await serveWithCsp(page, localProductionCsp(stack.url));
    await page.addInitScript(() => {
      const w = window as unknown as { sawProgress: boolean };
      w.sawProgress = false;
      new MutationObserver(() => {
        if (document.querySelector('[data-testid="upload-progress"]')) w.sawProgress = true;
      }).observe(document, { subtree: true, childList: true });
    });
    await page.goto(`${stack.url}/#/`);
    await user.tid('signin-name').fill(userId);
    await user.tid('signin-submit').click();
    await user.tid('chats-page').waitFor();
    await user.waitConnected();
    await user.browserUser.networkQuiet();
    return { user, requests };
  }

  const violations = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations: string[] }).cspViolations);

  test('attach by file input and by drop, progress then ready, send; thumbnails with reserved size, lightbox, "Photo"; emoji', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Alice', [b]: 'Bob' } });
    await stack.drainEvents();
    const { user: alice, requests: aliceRequests } = await person(a);
    const { user: bob, requests: bobRequests } = await person(b);

    // ---- alice: one PNG by the file input, sent alone ----
    const win = await alice.openChat(b);
    await win.getByTestId('attach-input').setInputFiles({ name: 'wide.png', mimeType: 'image/png', buffer: await png(640, 480, 30) });
    const chip = win.getByTestId('upload-chip');
    await eventually(async () => expect(await attrOf(chip, 'data-status')).toBe('ready'));
    expect(await alice.page.evaluate(() => (window as unknown as { sawProgress: boolean }).sawProgress)).toBe(true);
    await win.getByTestId('send').click();
    await eventually(async () => expect(await textsOf(win.getByTestId('upload-chip'))).toEqual([]));
    const mine = win.getByTestId('message').last();
    await eventually(async () => expect(await attrOf(mine, 'data-status')).toBe('sent'));
    expect(await mine.getByTestId('message-image').count()).toBe(1);

    // bob's conversation list says "Photo" (an image-only message).
    await eventually(async () => expect(await textsOf(bob.tid(`conversation-${a}`).getByTestId('conversation-preview'))).toEqual([expect.stringMatching(/^\s*Photo\s*$/)]));

    // ---- alice: a tall PNG dropped onto the window, with text ----
    const tall = (await png(300, 600, 200)).toString('base64');
    await win.evaluate((el, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'tall.png', { type: 'image/png' }));
      el.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      el.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
    }, tall);
    await eventually(async () => expect(await attrOf(win.getByTestId('upload-chip'), 'data-status')).toBe('ready'));
    // A third pasted into the text area, then cancelled (its chip goes; the dropped one stays).
    await win.getByTestId('composer').evaluate((el, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, tall);
    await eventually(async () => expect(await win.getByTestId('upload-chip').count()).toBe(2));
    await alice.screenshot('images-composer');
    await win.getByTestId('upload-cancel').nth(1).click();
    await eventually(async () => expect(await win.getByTestId('upload-chip').count()).toBe(1));
    // A file that is not an image is refused with a toast that says so.
    await win.getByTestId('attach-input').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
    await alice.tid('toast').filter({ hasText: 'notes.txt is not a JPEG, PNG, WebP or GIF image.' }).waitFor();
    expect(await win.getByTestId('upload-chip').count()).toBe(1);
    await alice.send(b, 'and a tall one');
    await eventually(async () => expect(await attrOf(win.getByTestId('message').last(), 'data-status')).toBe('sent'));

    // ---- bob: the boxes have their size before the images load (the thumbnails are held back) ----
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    await bob.page.route(
      (url) => url.pathname.includes('/_aws/s3/'),
      async (route) => {
        await held;
        await route.continue();
      },
    );
    const bwin = await bob.openChat(a, 'conversations');
    const boxes = bwin.getByTestId('message-image');
    await eventually(async () => expect(await boxes.count()).toBe(2));
    const sizes = () => boxes.evaluateAll((els) => els.map((e) => [Math.round(e.getBoundingClientRect().width), Math.round(e.getBoundingClientRect().height)]));
    const loaded = () => boxes.evaluateAll((els) => els.map((e) => (e.querySelector('img') as HTMLImageElement).naturalWidth));
    expect(await loaded()).toEqual([0, 0]);
    // 640x480 → 220 x 165; 300x600 → 110 x 220 (longest side 220 px).
    expect(await sizes()).toEqual([
      [220, 165],
      [110, 220],
    ]);
    release();
    await eventually(async () => expect((await loaded()).every((w) => w > 0)).toBe(true));
    expect(await sizes()).toEqual([
      [220, 165],
      [110, 220],
    ]);
    expect(await attrOf(boxes.first().locator('img'), 'alt')).toBe('Image 1 of 1');

    // ---- the lightbox: arrows move through the conversation's images, Escape closes, the focus comes back ----
    await boxes.first().click();
    const box = bob.tid('lightbox');
    await box.waitFor();
    expect(await textsOf(bob.tid('lightbox-position'))).toEqual(['1 / 2']);
    await eventually(async () => expect(await bob.tid('lightbox-image').evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(640));
    await bob.screenshot('images-lightbox');
    await bob.page.keyboard.press('ArrowRight');
    expect(await textsOf(bob.tid('lightbox-position'))).toEqual(['2 / 2']);
    await bob.page.keyboard.press('ArrowLeft');
    expect(await textsOf(bob.tid('lightbox-position'))).toEqual(['1 / 2']);
    await bob.page.keyboard.press('Tab'); // the focus stays in the dialog
    expect(await bob.page.evaluate(() => !!document.activeElement?.closest('[data-testid="lightbox"]'))).toBe(true);
    await bob.page.keyboard.press('Escape');
    await eventually(async () => expect(await box.count()).toBe(0));
    expect(await bob.page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('message-image');
    expect(await bwin.count()).toBe(1); // Escape closed the lightbox, not the chat

    // ---- the emoji picker: lazy, its data from this origin; two emoji are shown large ----
    await win.getByTestId('emoji-button').click();
    const picker = win.getByTestId('emoji-picker');
    await picker.waitFor();
    const emoji = picker.locator('.tabpanel button.emoji'); // (the skin-tone button is a button.emoji too)
    await eventually(async () => expect(await emoji.count()).toBeGreaterThan(10));
    await alice.screenshot('images-emoji-picker');
    // (The picker hands a chosen emoji over asynchronously: it reads it from its IndexedDB first.)
    const composer = win.getByTestId('composer');
    const graphemes = async () => [...new Intl.Segmenter().segment(await composer.inputValue())].length;
    await emoji.nth(0).click();
    await eventually(async () => expect(await graphemes()).toBe(1));
    await emoji.nth(1).click();
    await eventually(async () => expect(await graphemes()).toBe(2));
    const value = await composer.inputValue();
    await alice.page.keyboard.press('Escape');
    await eventually(async () => expect(await picker.count()).toBe(0));
    await composer.press('Enter');
    await eventually(async () => expect(await textsOf(bwin.getByTestId('message-text').last())).toEqual([value]));
    const big = bwin.getByTestId('message-text').last();
    expect(await attrOf(big, 'data-emoji-only')).toBe('true');
    expect(await big.evaluate((e) => parseFloat(getComputedStyle(e).fontSize))).toBeGreaterThanOrEqual(32);
    await bob.screenshot('images-bob');

    // ---- nothing left the origin; the CSP held ----
    const origin = new URL(stack.url).origin;
    for (const url of [...aliceRequests, ...bobRequests]) {
      if (!url.startsWith('blob:') && !url.startsWith('data:')) expect([url, new URL(url).origin]).toEqual([url, origin]);
    }
    expect(aliceRequests.some((u) => /\/assets\/data-[\w-]+\.json$/.test(u))).toBe(true);
    expect(await violations(alice.page)).toEqual([]);
    expect(await violations(bob.page)).toEqual([]);
  });
  test('on phones: alice pastes a photo and picks an emoji, bob sees the thumbnail live and opens the lightbox', async () => {
    const [a, b] = [uid('alice'), uid('bob')];
    await sendEvent(stack, 'FriendshipCreated', { userIds: [a, b], names: { [a]: 'Alice', [b]: 'Bob' } });
    await stack.drainEvents();
    const { user: alice } = await person(a, PHONE);
    const { user: bob } = await person(b, PHONE);
    const bwin = await bob.openChat(a); // bob looks at the chat: the photo must arrive live

    const win = await alice.openChat(b);
    await win.getByTestId('composer').evaluate((el, b64) => {
      const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const dt = new DataTransfer();
      dt.items.add(new File([bytes], 'camera.png', { type: 'image/png' }));
      el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    }, (await png(300, 400, 90)).toString('base64'));
    await eventually(async () => expect(await attrOf(win.getByTestId('upload-chip'), 'data-status')).toBe('ready'));
    await win.getByTestId('emoji-button').click();
    const emoji = win.getByTestId('emoji-picker').locator('.tabpanel button.emoji');
    await eventually(async () => expect(await emoji.count()).toBeGreaterThan(10));
    await emoji.nth(0).click();
    const composer = win.getByTestId('composer');
    await eventually(async () => expect([...new Intl.Segmenter().segment(await composer.inputValue())]).toHaveLength(1));
    await alice.page.keyboard.press('Escape');
    await alice.screenshot('images-phone-composer');
    await win.getByTestId('send').click();

    const image = bwin.getByTestId('message-image');
    await eventually(async () => expect(await image.count()).toBe(1));
    const box = await image.first().boundingBox();
    expect(box!.width).toBeLessThanOrEqual(390);
    expect(Math.round(box!.height / box!.width * 3)).toBe(4); // the photo's 3:4 box, reserved
    await bob.screenshot('images-phone-bob');
    await image.first().click();
    await bob.tid('lightbox').waitFor();
    await eventually(async () => expect(await bob.tid('lightbox-image').evaluate((i) => (i as HTMLImageElement).naturalWidth)).toBe(300));
    await bob.screenshot('images-phone-lightbox');
    await bob.page.keyboard.press('Escape');
    await eventually(async () => expect(await bob.tid('lightbox').count()).toBe(0));
  });
});
